using TorchSharp.Modules;

namespace Livt.Optimization;

/// <summary>One optimizer parameter group: parameters that share a learning-rate scale and a weight decay.</summary>
public sealed class ParamGroupSpec
{
    /// <summary>Layer id of layer-wise lr decay (0 = embeddings, i + 1 = block i, depth + 1 = the rest);
    /// 0 for groups that do not use layer decay.</summary>
    public required int LayerId { get; init; }

    /// <summary>Factor applied to the scheduled learning rate of this group.</summary>
    public required double LrScale { get; init; }

    /// <summary>Decoupled (AdamW) weight decay of this group.</summary>
    public required double WeightDecay { get; init; }

    /// <summary>Parameter names, parallel to <see cref="Parameters"/>.</summary>
    public required IReadOnlyList<string> Names { get; init; }

    /// <summary>The parameters, in the model's order.</summary>
    public required IReadOnlyList<Parameter> Parameters { get; init; }
}

using Livt.Interop;

namespace Livt.Inference;

/// <summary>Settings of <c>livt export</c> (<see cref="OnnxExport"/>) besides the checkpoint.</summary>
public sealed record ExportOptions
{
    /// <summary>The ONNX file to write.</summary>
    [Setting("The ONNX file to write", Required = true)]
    public required string Onnx { get; init; }

    /// <summary>The post-hoc adjustment baked into the graph (<see cref="PriorCorrection"/>); null: raw logits.</summary>
    [Setting("Bake the post-hoc logit adjustment of livt evaluate --test-prior into the graph: uniform | train | <file of per-class counts or " +
        "probabilities>. Default: raw logits")]
    public string? TestPrior { get; init; }

    /// <summary>Strength of the baked adjustment.</summary>
    [Setting("Strength of the baked adjustment")]
    public double Tau { get; init; } = 1.0;

    /// <summary>What a checkpoint without Livt metadata cannot say.</summary>
    public RawCheckpointOptions Raw { get; init; } = new();
}

using Livt.Models;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Byol;

/// <summary>
/// BYOL's networks (deepmind-research/byol, <c>byol_experiment.py</c>): the online encoder with its projector and
/// predictor, the target encoder with its projector (no gradient; moved by EMA after each optimizer step), and
/// the count of optimizer steps the target has followed, so a resumed run moves it exactly as an uninterrupted
/// one. Projector and predictor are <c>networks.MLP</c>: Linear with bias, BatchNorm, ReLU, Linear without bias.
/// </summary>
internal sealed class ByolModel : nn.Module
{
    private readonly ContrastiveVisionTransformer online;
    private readonly ContrastiveVisionTransformer target;
    private readonly ProjectionHead predictor;
    private readonly Tensor target_steps;

    /// <summary>Builds the networks; the target's own draws do not matter (it starts as a copy of the online network).</summary>
    public ByolModel(VitConfig vit, ByolOptions options, Generator generator, Func<Tensor, Tensor>? processSum) : base(nameof(ByolModel))
    {
        var projector = Mlp(vit.EmbedDim, options.HiddenDim, options.ProjDim);
        online = SiameseVit.Create(vit, projector, generator, processSum, freezePatchEmbed: false);
        using (var scratch = new Generator(0))
            target = SiameseVit.Create(vit, projector, scratch, processSum, freezePatchEmbed: false);
        foreach (var p in target.parameters()) p.requires_grad = false;
        predictor = new ProjectionHead(Mlp(options.ProjDim, options.HiddenDim, options.ProjDim), generator, processSum);
        target_steps = torch.zeros(Array.Empty<long>(), dtype: ScalarType.Int64);
        RegisterComponents();
    }

    /// <summary>The trained network.</summary>
    public ContrastiveVisionTransformer Online => online;

    /// <summary>The EMA copy of <see cref="Online"/>.</summary>
    public ContrastiveVisionTransformer Target => target;

    /// <summary>Optimizer steps whose EMA move the target has taken (a checkpointed buffer).</summary>
    public Tensor TargetSteps => target_steps;

    /// <summary>The online prediction of a view [N, P].</summary>
    public Tensor Prediction(Tensor view)
    {
        using var projected = online.Projection(view);
        return predictor.call(projected);
    }

    /// <summary>The target projection of a view [N, P], without gradient.</summary>
    public Tensor TargetProjection(Tensor view)
    {
        using var _ = torch.no_grad();
        return target.Projection(view);
    }

    private static ProjectionHeadConfig Mlp(int inDim, int hiddenDim, int outDim) =>
        new(inDim, hiddenDim, outDim, 1, ProjectionNorm.BatchNorm, ProjectionActivation.Relu) { OutputBias = false };
}

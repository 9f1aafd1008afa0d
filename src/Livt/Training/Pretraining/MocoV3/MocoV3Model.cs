using Livt.Models;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MocoV3;

/// <summary>
/// MoCo v3's networks as its paper describes them (Chen, Xie and He, ICCV 2021, Sec. 3): f_q, the base encoder (ViT
/// and a 3-layer projection MLP) and a 2-layer prediction MLP; f_k, the momentum encoder of the same architecture
/// as the base encoder (no gradient; moved by EMA). Every MLP layer has BatchNorm (after SimCLR), the hidden ones
/// ReLU; where the paper is silent Livt drops the bias of a Linear that BatchNorm follows and gives the output
/// BatchNorm no scale or shift.
/// </summary>
internal sealed class MocoV3Model : nn.Module
{
    private readonly ContrastiveVisionTransformer base_encoder;
    private readonly ContrastiveVisionTransformer momentum_encoder;
    private readonly ProjectionHead predictor;

    /// <summary>Builds the model; the momentum encoder's own initial draws do not matter (it starts as a copy).</summary>
    public MocoV3Model(VitConfig vit, MocoV3Options options, Generator generator, Func<Tensor, Tensor>? processSum) : base(nameof(MocoV3Model))
    {
        var projector = Mlp(vit.EmbedDim, options.HiddenDim, options.ProjDim, layers: 3);
        base_encoder = SiameseVit.Create(vit, projector, generator, processSum, options.FreezePatchEmbed);
        using (var scratch = new Generator(0))
            momentum_encoder = SiameseVit.Create(vit, projector, scratch, processSum, options.FreezePatchEmbed);
        foreach (var p in momentum_encoder.parameters()) p.requires_grad = false;
        predictor = new ProjectionHead(Mlp(options.ProjDim, options.HiddenDim, options.ProjDim, layers: 2), generator, processSum);
        RegisterComponents();
    }

    /// <summary>The trained encoder with its projector.</summary>
    public ContrastiveVisionTransformer BaseEncoder => base_encoder;

    /// <summary>The EMA copy of <see cref="BaseEncoder"/>.</summary>
    public ContrastiveVisionTransformer MomentumEncoder => momentum_encoder;

    /// <summary>q = predictor(projector(encoder(x))): the query features of a view [N, P].</summary>
    public Tensor Query(Tensor view)
    {
        using var projected = base_encoder.Projection(view);
        return predictor.call(projected);
    }

    /// <summary>k = momentum projector(momentum encoder(x)), without gradient: the key features of a view [N, P].</summary>
    public Tensor Key(Tensor view)
    {
        using var _ = torch.no_grad();
        return momentum_encoder.Projection(view);
    }

    /// <summary>A <paramref name="layers"/>-layer MLP in → hidden … → out with BatchNorm after every Linear.</summary>
    private static ProjectionHeadConfig Mlp(int inDim, int hiddenDim, int outDim, int layers) =>
        new(inDim, hiddenDim, outDim, layers - 1, ProjectionNorm.BatchNorm, ProjectionActivation.Relu)
        {
            HiddenBias = false, OutputBias = false, OutputBatchNorm = true,
        };
}

using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Shared;

/// <summary>
/// The encoder of the Siamese methods (MoCo v3, BYOL, DCL), a ViT as the MoCo v3 paper trains it: the cls token
/// after <c>norm</c> as the image's feature, a fixed 2-D sin-cos position table, and optionally the random patch
/// projection left untrained (the paper's stability trick); under a projection MLP
/// (<see cref="ContrastiveVisionTransformer"/>). Its weights start as Livt's ViT starts (MAE's initialisation),
/// the same for every method. The ViT's classifier head is not used: it is frozen and left out of the exported encoder.
/// </summary>
internal static class SiameseVit
{
    /// <summary>The encoder shape: the run's ViT, pooled by its cls token, without drop path.</summary>
    public static VitConfig Config(VitConfig model) => model with { GlobalPool = false, DropPathRate = 0 };

    /// <summary>Builds the network, its draws from <paramref name="generator"/>.</summary>
    /// <param name="model">The run's ViT shape.</param>
    /// <param name="projector">The projection MLP on the D-wide feature.</param>
    /// <param name="generator">Random source of the initialisation.</param>
    /// <param name="processSum">The job's sum for the heads' synchronised BatchNorm, or null.</param>
    /// <param name="freezePatchEmbed">MoCo v3's random patch projection: the patch embedding is not trained.</param>
    public static ContrastiveVisionTransformer Create(VitConfig model, ProjectionHeadConfig projector, Generator generator,
        Func<Tensor, Tensor>? processSum, bool freezePatchEmbed)
    {
        var network = new ContrastiveVisionTransformer(Config(model), projector, generator: generator, processSum: processSum);
        var parameters = network.Vit.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters["pos_embed"].requires_grad = false;
        parameters["head.weight"].requires_grad = false;
        parameters["head.bias"].requires_grad = false;
        if (freezePatchEmbed)
        {
            parameters["patch_embed.proj.weight"].requires_grad = false;
            parameters["patch_embed.proj.bias"].requires_grad = false;
        }
        return network;
    }

    /// <summary>The encoder's weights under MAE's names (<c>patch_embed</c> … <c>norm</c>), the network's own
    /// tensors, without the unused classifier head.</summary>
    public static Dictionary<string, Tensor> EncoderWeights(ContrastiveVisionTransformer network) =>
        network.Vit.state_dict().Where(kv => !kv.Key.StartsWith("head.", StringComparison.Ordinal)).ToDictionary();
}

using Livt.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Shared;

/// <summary>
/// The encoder of the Siamese methods (MoCo v3, BYOL, DCL): MoCo v3's ViT (<c>vits.py</c>'s
/// <c>VisionTransformerMoCo</c>) — the cls token after <c>norm</c> as the image's feature, a fixed 2-D sin-cos
/// position table (MAE's layout; MoCo v3's is the same table with its two halves swapped), MoCo v3's
/// initialisation — under a projection MLP (<see cref="ContrastiveVisionTransformer"/>). The ViT's classifier
/// head is not used: it is frozen and left out of the exported encoder.
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
    /// <param name="freezePatchEmbed">MoCo v3's <c>stop_grad_conv1</c>: the random patch projection is not trained.</param>
    public static ContrastiveVisionTransformer Create(VitConfig model, ProjectionHeadConfig projector, Generator generator,
        Func<Tensor, Tensor>? processSum, bool freezePatchEmbed)
    {
        var network = new ContrastiveVisionTransformer(Config(model), projector, generator: generator, processSum: processSum);
        var parameters = network.Vit.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        MocoV3Init(parameters, generator);
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

    /// <summary><c>VisionTransformerMoCo.__init__</c>: every Linear xavier-uniform with zero bias, except qkv, whose
    /// Q, K and V are each treated as a D×D matrix; the cls token normal(std 1e-6); the patch projection
    /// xavier-uniform on its [D, C·p·p] view with zero bias.</summary>
    private static void MocoV3Init(Dictionary<string, Parameter> parameters, Generator generator)
    {
        using var _ = torch.no_grad();
        foreach (var (name, p) in parameters)
        {
            if (name == "cls_token") p.normal_(0, 1e-6, generator);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else if (name == "patch_embed.proj.weight")
            {
                long fanIn = p.shape[1] * p.shape[2] * p.shape[3];
                double a = Math.Sqrt(6.0 / (fanIn + p.shape[0]));
                p.uniform_(-a, a, generator);
            }
            else if (p.dim() == 2)
            {
                long fanOut = name.Contains(".qkv.", StringComparison.Ordinal) ? p.shape[0] / 3 : p.shape[0];
                double a = Math.Sqrt(6.0 / (fanOut + p.shape[1]));
                p.uniform_(-a, a, generator);
            }
        }
    }
}

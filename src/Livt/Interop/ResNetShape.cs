using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>
/// The CNN a state dict without Livt's metadata describes — LDAM-DRW's <c>resnet32</c> (head <c>linear</c>,
/// three stages of five blocks) or torchvision's <c>resnet50</c> (head <c>fc</c>, bottleneck stages of 3, 4, 6
/// and 3) — from its names and shapes: input channels from <c>conv1.weight</c>, classes from the head. The
/// input size is not in the weights (the networks pool globally): the architecture's own, 32 or 224 px.
/// </summary>
public static class ResNetShape
{
    /// <summary>True when the names are a ResNet's (a stem <c>conv1</c> and residual stages), not a ViT's.</summary>
    public static bool Describes(IReadOnlyDictionary<string, Tensor> weights) =>
        weights.ContainsKey("conv1.weight") && weights.ContainsKey("layer1.0.conv1.weight");

    /// <summary>The configuration and, in words, how it was read.</summary>
    /// <exception cref="LivtException">The stages or the head are not those of ResNet-32 or ResNet-50.</exception>
    public static (ResNetConfig Config, string Description) Infer(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        int Blocks(int stage) => Enumerable.Range(0, 64).TakeWhile(b => weights.ContainsKey($"layer{stage}.{b}.conv1.weight")).Count();
        var stages = Enumerable.Range(1, 4).Select(Blocks).ToArray();
        var (arch, head, size) = stages switch
        {
            [5, 5, 5, 0] => (ResNetConfig.ResNet32, "linear", 32),
            [3, 4, 6, 3] when weights.ContainsKey("layer1.0.conv3.weight") => (ResNetConfig.ResNet50, "fc", 224),
            _ => throw new LivtException($"{source}: a ResNet with stages of [{string.Join(", ", stages)}] blocks; Livt has resnet32 ([5, 5, 5], LDAM-DRW's) " +
                "and resnet50 ([3, 4, 6, 3], torchvision's)"),
        };
        if (!weights.TryGetValue($"{head}.weight", out var w) || w.dim() != 2)
            throw new LivtException($"{source}: a {arch} without its head '{head}.weight' (LDAM-DRW's normalised head or another classifier is not supported)");
        var config = new ResNetConfig { Arch = arch, ImageSize = size, InChans = (int)weights["conv1.weight"].shape[1], NumClasses = (int)w.shape[0] };
        return (config, $"{arch} from the names and shapes: {config.InChans} channel(s), {config.NumClasses} classes; input {size} px, the architecture's " +
            "(not in the weights)");
    }
}

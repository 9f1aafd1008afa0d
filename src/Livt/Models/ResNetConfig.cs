using System.Text.Json.Serialization;

namespace Livt.Models;

/// <summary>
/// The shape of a residual CNN classifier: <see cref="Arch"/> names the network as the PyTorch code that
/// defines it does, so its weights load by name — <c>resnet32</c>, the CIFAR ResNet of the long-tail papers
/// (LDAM-DRW's <c>models/resnet_cifar.py</c>, which DeiT-LT's CIFAR teachers use: <see cref="CifarResNet"/>),
/// and <c>resnet50</c>, torchvision's ImageNet ResNet-50 (<see cref="ResNet"/>, timm's names too).
/// </summary>
public sealed record ResNetConfig : ArchitectureConfig
{
    /// <summary>The CIFAR ResNet of depth 6n + 2 with three stages of n basic blocks (n = 5).</summary>
    public const string ResNet32 = "resnet32";

    /// <summary>torchvision's ResNet-50: bottleneck blocks [3, 4, 6, 3].</summary>
    public const string ResNet50 = "resnet50";

    /// <summary>The architectures there are.</summary>
    public static IReadOnlyList<string> Architectures { get; } = [ResNet32, ResNet50];

    /// <summary>The network, one of <see cref="Architectures"/>.</summary>
    public string Arch { get; init; } = ResNet50;

    /// <inheritdoc/>
    public override string Summary => Arch;

    /// <summary>The width of the pooled features the head reads: 64 for <c>resnet32</c>, 2048 for <c>resnet50</c>.</summary>
    [JsonIgnore]
    public int FeatureDim => Arch == ResNet32 ? 64 : 2048;

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Architectures.Contains(Arch), $"Arch '{Arch}' is not one of {string.Join(", ", Architectures)}");
        Require(ImageSize > 0 && InChans > 0, $"ImageSize {ImageSize} and InChans {InChans} must be positive");
        Require(NumClasses > 0, $"NumClasses {NumClasses} must be positive");
    }
}

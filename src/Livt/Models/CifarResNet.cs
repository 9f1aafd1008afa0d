using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The CIFAR ResNet of the long-tail papers — LDAM-DRW's <c>ResNet_s</c> (<c>models/resnet_cifar.py</c>), which
/// DeiT-LT's CIFAR teachers use — with its parameter names, so its PyTorch weights load: a 3×3 stem of 16
/// channels (<c>conv1</c>, <c>bn1</c>), three stages of n <see cref="CifarBasicBlock"/>s of 16, 32 and 64 channels
/// (<c>layer1</c>..<c>layer3</c>, the last two halving the resolution), global average pooling and the head
/// <c>linear</c>. ResNet-32 has n = 5.
/// </summary>
public sealed class CifarResNet : LinearHeadClassifier
{
    private const int BlocksPerStage = 5; // depth 6n + 2 = 32

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Linear linear;

    /// <summary>Builds ResNet-32 for <paramref name="config"/>'s channels and classes with LDAM-DRW's
    /// initialisation drawn from <paramref name="generator"/> (libtorch's global one when null).</summary>
    /// <exception cref="ArgumentException">The configuration is not a valid resnet32.</exception>
    public CifarResNet(ResNetConfig config, Generator? generator = null) : base(nameof(CifarResNet))
    {
        config.Validate();
        if (config.Arch != ResNetConfig.ResNet32)
            throw new ArgumentException($"invalid model configuration: {nameof(CifarResNet)} builds {ResNetConfig.ResNet32}, not {config.Arch}");
        Config = config;
        conv1 = nn.Conv2d(config.InChans, 16, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(16);
        int inPlanes = 16;
        Sequential Stage(int planes, int stride)
        {
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < BlocksPerStage; i++)
            {
                blocks.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new CifarBasicBlock(inPlanes, planes, i == 0 ? stride : 1)));
                inPlanes = planes;
            }
            return nn.Sequential(blocks);
        }
        layer1 = Stage(16, 1);
        layer2 = Stage(32, 2);
        layer3 = Stage(64, 2);
        linear = nn.Linear(64, config.NumClasses);
        RegisterComponents();
        ResNetInit.Cifar(this, generator);
    }

    /// <summary>The configuration the model was built from.</summary>
    public ResNetConfig Config { get; }

    /// <inheritdoc/>
    public override ArchitectureConfig Architecture => Config;

    /// <summary>The model-file kind of every CNN.</summary>
    public const string FileKind = "resnet";

    /// <inheritdoc/>
    public override string Kind => FileKind;

    /// <summary>False: BatchNorm's running statistics are buffers a bf16 working copy would not share.</summary>
    public override bool HasBf16WorkingCopy => false;

    /// <inheritdoc/>
    public override Linear Head => linear;

    /// <inheritdoc/>
    public override string HeadName => "linear";

    /// <inheritdoc/>
    public override ClassifierModel NewOfSameArchitecture() => new CifarResNet(Config);

    /// <summary>The globally average-pooled output of the last stage [N, 64].</summary>
    /// <exception cref="ArgumentException">The images do not have the configured channels.</exception>
    public override Tensor ForwardFeatures(Tensor images)
    {
        ResNet.CheckInput(images, Config.InChans);
        using var scope = torch.NewDisposeScope();
        var x = nn.functional.relu(bn1.call(conv1.call(images)));
        x = layer3.call(layer2.call(layer1.call(x)));
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }
}

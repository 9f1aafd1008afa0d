using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// torchvision's ImageNet ResNet (<c>torchvision/models/resnet.py</c>; timm's <c>resnet.py</c> uses the same
/// names) with its parameter names, so its PyTorch weights load: the 7×7 stride-2 stem (<c>conv1</c>,
/// <c>bn1</c>), 3×3 stride-2 max pooling, four stages of <see cref="Bottleneck"/>s (<c>layer1</c>..<c>layer4</c>,
/// widths 64–512, the last three halving the resolution), global average pooling and the head <c>fc</c>.
/// ResNet-50 has [3, 4, 6, 3] blocks.
/// </summary>
public sealed class ResNet : LinearHeadClassifier
{
    private static readonly int[] ResNet50Blocks = [3, 4, 6, 3];

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly Linear fc;

    /// <summary>Builds ResNet-50 for <paramref name="config"/>'s channels and classes with torchvision's
    /// initialisation drawn from <paramref name="generator"/> (libtorch's global one when null).</summary>
    /// <exception cref="ArgumentException">The configuration is not a valid resnet50.</exception>
    public ResNet(ResNetConfig config, Generator? generator = null) : base(nameof(ResNet))
    {
        config.Validate();
        if (config.Arch != ResNetConfig.ResNet50)
            throw new ArgumentException($"invalid model configuration: {nameof(ResNet)} builds {ResNetConfig.ResNet50}, not {config.Arch}");
        Config = config;
        conv1 = nn.Conv2d(config.InChans, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        int inPlanes = 64;
        Sequential Stage(int planes, int blocks, int stride)
        {
            var list = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < blocks; i++)
            {
                list.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Bottleneck(inPlanes, planes, i == 0 ? stride : 1)));
                inPlanes = planes * Bottleneck.Expansion;
            }
            return nn.Sequential(list);
        }
        layer1 = Stage(64, ResNet50Blocks[0], 1);
        layer2 = Stage(128, ResNet50Blocks[1], 2);
        layer3 = Stage(256, ResNet50Blocks[2], 2);
        layer4 = Stage(512, ResNet50Blocks[3], 2);
        fc = nn.Linear(512 * Bottleneck.Expansion, config.NumClasses);
        RegisterComponents();
        ResNetInit.Torchvision(this, generator);
    }

    /// <summary>The configuration the model was built from.</summary>
    public ResNetConfig Config { get; }

    /// <inheritdoc/>
    public override ArchitectureConfig Architecture => Config;

    /// <inheritdoc/>
    public override string Kind => CifarResNet.FileKind;

    /// <summary>False: BatchNorm's running statistics are buffers a bf16 working copy would not share.</summary>
    public override bool HasBf16WorkingCopy => false;

    /// <inheritdoc/>
    public override Linear Head => fc;

    /// <inheritdoc/>
    public override string HeadName => "fc";

    /// <inheritdoc/>
    public override ClassifierModel NewOfSameArchitecture() => new ResNet(Config);

    /// <summary>The globally average-pooled output of the last stage [N, 2048].</summary>
    /// <exception cref="ArgumentException">The images do not have the configured channels.</exception>
    public override Tensor ForwardFeatures(Tensor images)
    {
        CheckInput(images, Config.InChans);
        using var scope = torch.NewDisposeScope();
        var x = nn.functional.relu(bn1.call(conv1.call(images)));
        x = nn.functional.max_pool2d(x, kernel_size: 3, stride: 2, padding: 1);
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>The ResNet of <paramref name="config"/>'s architecture.</summary>
    public static LinearHeadClassifier Create(ResNetConfig config, Generator? generator = null) => config.Arch switch
    {
        ResNetConfig.ResNet32 => new CifarResNet(config, generator),
        _ => new ResNet(config, generator),
    };

    /// <exception cref="ArgumentException">Not [N, <paramref name="inChans"/>, H, W].</exception>
    internal static void CheckInput(Tensor images, int inChans)
    {
        if (images.dim() != 4 || images.shape[1] != inChans)
            throw new ArgumentException($"expected images of shape [N, {inChans}, H, W], got [{string.Join(", ", images.shape)}]", nameof(images));
    }
}

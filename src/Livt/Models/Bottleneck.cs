using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// torchvision's <c>Bottleneck</c> (ResNet v1.5: the stride sits on the 3×3 convolution): 1×1 → 3×3 → 1×1
/// convolutions with BatchNorm, relu between, the output 4× the block's width; the shortcut is the input,
/// or <c>downsample</c> (1×1 convolution with the stride, then BatchNorm) where stride or width change.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    /// <summary>Output channels per unit of width.</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Sequential? downsample;

    /// <summary>A block from <paramref name="inPlanes"/> channels to 4·<paramref name="planes"/>.</summary>
    public Bottleneck(int inPlanes, int planes, int stride) : base(nameof(Bottleneck))
    {
        int outPlanes = planes * Expansion;
        conv1 = nn.Conv2d(inPlanes, planes, kernel_size: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, outPlanes, kernel_size: 1, bias: false);
        bn3 = nn.BatchNorm2d(outPlanes);
        if (stride != 1 || inPlanes != outPlanes)
            downsample = nn.Sequential(
                ("0", nn.Conv2d(inPlanes, outPlanes, kernel_size: 1, stride: stride, bias: false)),
                ("1", nn.BatchNorm2d(outPlanes)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.relu(bn1.call(conv1.call(x)));
        h = nn.functional.relu(bn2.call(conv2.call(h)));
        h = bn3.call(conv3.call(h));
        var identity = downsample is null ? x : downsample.call(x);
        using var one = 1.0.ToScalar();
        return nn.functional.relu(h.add(identity, one)).MoveToOuterDisposeScope();
    }
}

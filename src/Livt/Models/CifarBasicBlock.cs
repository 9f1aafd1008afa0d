using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The basic block of the CIFAR ResNets (LDAM-DRW's <c>resnet_cifar.py</c>, He et al.'s option A):
/// relu(bn1(conv1(x))) → bn2(conv2(·)), plus the shortcut, then relu. Where the block changes stride or
/// width, the shortcut has no parameters: every other pixel of x, zero-padded with width/4 channels on
/// each side (<c>F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))</c>).
/// </summary>
public sealed class CifarBasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly long _padChannels;
    private readonly bool _downsample;

    /// <summary>A block from <paramref name="inPlanes"/> to <paramref name="planes"/> channels.</summary>
    public CifarBasicBlock(int inPlanes, int planes, int stride) : base(nameof(CifarBasicBlock))
    {
        conv1 = nn.Conv2d(inPlanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        _downsample = stride != 1 || inPlanes != planes;
        _padChannels = planes / 4;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.relu(bn1.call(conv1.call(x)));
        h = bn2.call(conv2.call(h));
        var shortcut = _downsample
            ? nn.functional.pad(x[.., .., TensorIndex.Slice(step: 2), TensorIndex.Slice(step: 2)], [0, 0, 0, 0, _padChannels, _padChannels])
            : x;
        using var one = 1.0.ToScalar();
        return nn.functional.relu(h.add(shortcut, one)).MoveToOuterDisposeScope();
    }
}

using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>Stochastic depth (timm's <c>DropPath</c>): in training, zeroes a residual branch for a
/// random subset of samples and scales the survivors by 1/keep. Identity at evaluation.</summary>
public sealed class DropPath : nn.Module<Tensor, Tensor>
{
    private readonly double _rate;
    private readonly GeneratorSlot? _random;

    /// <summary>Creates the layer; <paramref name="rate"/> is the probability of dropping a sample's
    /// branch; draws come from <paramref name="random"/>'s generator (the global one when null or empty).</summary>
    public DropPath(double rate, GeneratorSlot? random = null) : base(nameof(DropPath))
    {
        if (rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(rate), rate, "drop-path rate must be in [0, 1)");
        _rate = rate;
        _random = random;
    }

    /// <summary>The drop probability.</summary>
    public double Rate => _rate;

    public override Tensor forward(Tensor x)
    {
        if (_rate == 0 || !training) return x.alias();
        double keep = 1 - _rate;
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        // The Scalar held to the end: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar keepScalar = keep;
        using var keepMask = CpuRandom.Bernoulli(shape, keep, x.dtype, x.device, _random?.Generator).div_(keepScalar);
        return x.mul(keepMask);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Optimization;

/// <summary>
/// SGD with momentum on a <see cref="ParameterStore"/>, as <c>torch.optim.SGD</c>: L2 weight decay added to
/// the gradient, a momentum buffer that starts as the first gradient, dampening, optional Nesterov, and each
/// group's lr scale per element:
/// <code>
/// d ← g + wd·p      b ← d (first step), else μ·b + (1 − dampening)·d      d ← d + μ·b (Nesterov) or b
/// p ← p − lr·s·d
/// </code>
/// </summary>
public sealed class Sgd : FlatOptimizer
{
    /// <summary>An optimizer over <paramref name="store"/>; the groups' weight decays come from the store.</summary>
    public Sgd(ParameterStore store, double lr, double momentum = 0, double dampening = 0, bool nesterov = false)
        : base(store, lr, "sgd", "momentum_buffer")
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "must be ≥ 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
        (Momentum, Dampening, Nesterov) = (momentum, dampening, nesterov);
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the momentum buffer's update.</summary>
    public double Dampening { get; }

    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(int index, ParameterStore.FlatBuffer b, Tensor[] state)
    {
        var (p, d) = (b.Data, b.Grad);
        using var one = 1.ToScalar();
        if (b.WeightDecay is { } wd) d = torch.addcmul(d, p, wd, one);
        else if (b.UniformWeightDecay != 0)
        {
            using var rate = b.UniformWeightDecay.ToScalar();
            d = d.add(p, rate);
        }
        if (Momentum != 0)
        {
            var buffer = state[0];
            if (Steps == 1) buffer.copy_(d);
            else
            {
                using var momentum = Momentum.ToScalar();
                using var keep = (1 - Dampening).ToScalar();
                buffer.mul_(momentum).add_(d, keep);
            }
            if (Nesterov)
            {
                using var momentum = Momentum.ToScalar();
                d = d.add(buffer, momentum);
            }
            else d = buffer;
        }
        var (scale, lr) = LrOf(b, Lr);
        using var minusLr = (-lr).ToScalar();
        if (scale is null) p.add_(d, minusLr);
        else p.addcmul_(d, scale, minusLr);
    }
}

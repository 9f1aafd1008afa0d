using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Optimization;

/// <summary>
/// Adam on a <see cref="ParameterStore"/>, as <c>torch.optim.AdamW</c> (decoupled weight decay, the default)
/// or <c>torch.optim.Adam</c> (L2 weight decay added to the gradient), with each parameter group's learning-rate
/// scale (layer-wise decay) and weight decay applied per element:
/// <code>
/// p ← p · (1 − lr·s·wd)                                   (AdamW; Adam adds wd·p to g instead)
/// m ← β1·m + (1 − β1)·g      v ← β2·v + (1 − β2)·g²
/// p ← p − lr·s / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// the update of PyTorch 1.13's single-tensor AdamW, with s the element's lr scale. About ten kernels per
/// buffer per step.
/// </summary>
public sealed class AdamW : FlatOptimizer
{
    private readonly Tensor?[] _decay;

    /// <summary>An optimizer over <paramref name="store"/>; the groups' weight decays come from the store.</summary>
    /// <param name="store">The parameters.</param>
    /// <param name="lr">The initial learning rate (a schedule sets <see cref="FlatOptimizer.Lr"/> every step).</param>
    /// <param name="beta1">β1.</param>
    /// <param name="beta2">β2.</param>
    /// <param name="eps">ε.</param>
    /// <param name="decoupled">True for AdamW; false for Adam with L2 weight decay.</param>
    public AdamW(ParameterStore store, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, bool decoupled = true)
        : base(store, lr, decoupled ? "adamw" : "adam", "exp_avg", "exp_avg_sq")
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "must be ≥ 0");
        (Beta1, Beta2, Eps, Decoupled) = (beta1, beta2, eps, decoupled);
        // AdamW decays by lr·s·wd: the product is built once where either factor varies.
        _decay = store.Buffers.Select(b => decoupled && b.WeightDecay is { } wd && b.LrScale is { } s
            ? wd.mul(s).DetachFromDisposeScope() : null).ToArray();
    }

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Eps { get; }

    /// <summary>True: decoupled weight decay (AdamW); false: L2 (Adam).</summary>
    public bool Decoupled { get; }

    /// <inheritdoc/>
    protected override void Update(int index, ParameterStore.FlatBuffer b, Tensor[] state)
    {
        var (p, g, m, v) = (b.Data, b.Grad, state[0], state[1]);
        var (scale, lr) = LrOf(b, Lr);
        if (Decoupled) Decay(b, p, scale, _decay[index]);
        else g = WithL2(b, p, g);

        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        m.mul_(beta1).add_(g, oneMinusBeta1);
        v.mul_(beta2).addcmul_(g, g, oneMinusBeta2);

        double correction1 = 1 - Math.Pow(Beta1, Steps), correction2 = 1 - Math.Pow(Beta2, Steps);
        using var sqrtCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var eps = Eps.ToScalar();
        using var one = 1.ToScalar();
        // add_(Scalar) without an alpha would make TorchSharp create a temporary alpha of 1.
        var denominator = v.sqrt().div_(sqrtCorrection2).add_(eps, one);
        // m·s/denominator as m/(denominator/s): the per-element lr scale costs one division.
        if (scale is not null) denominator.div_(scale);
        using var stepSize = (-lr / correction1).ToScalar();
        p.addcdiv_(m, denominator, stepSize);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var t in _decay) t?.Dispose();
        base.Dispose(disposing);
    }

    private void Decay(ParameterStore.FlatBuffer b, Tensor p, Tensor? scale, Tensor? product)
    {
        if (product is not null)
        {
            using var minusLr = (-Lr).ToScalar();
            p.addcmul_(p, product, minusLr);
        }
        else if (b.WeightDecay is { } wd)
        {
            using var minusRate = (-Lr * b.UniformLrScale).ToScalar();
            p.addcmul_(p, wd, minusRate);
        }
        else if (scale is not null && b.UniformWeightDecay != 0)
        {
            using var minusRate = (-Lr * b.UniformWeightDecay).ToScalar();
            p.addcmul_(p, scale, minusRate);
        }
        else if (b.UniformWeightDecay != 0)
        {
            using var factor = (1 - Lr * b.UniformLrScale * b.UniformWeightDecay).ToScalar();
            p.mul_(factor);
        }
    }

    private static Tensor WithL2(ParameterStore.FlatBuffer b, Tensor p, Tensor g)
    {
        using var one = 1.ToScalar();
        if (b.WeightDecay is { } wd) return torch.addcmul(g, p, wd, one);
        if (b.UniformWeightDecay == 0) return g;
        using var rate = b.UniformWeightDecay.ToScalar();
        return g.add(p, rate);
    }
}

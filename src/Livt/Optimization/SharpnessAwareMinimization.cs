using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Optimization;

/// <summary>
/// Sharpness-aware minimisation (Foret et al., ICLR 2021) as DeiT-LT's teachers are trained with it
/// (Rangwani et al., NeurIPS 2022, <c>val-iisc/Saddle-LongTail</c> <c>sam.py</c>, davda54's SAM; not the
/// adaptive ASAM, which they do not use): a wrapper around any optimizer's step over a
/// <see cref="ParameterStore"/>. <see cref="FirstStep"/> takes the gradient g at w and moves the
/// parameters to w + e, e = ρ·g / (‖g‖ + 1e−12) with ‖g‖ the norm over every parameter, and clears the
/// gradients; the caller computes the loss and its gradient again there; <see cref="SecondStep"/> puts w
/// back, and the optimizer then steps from w with the gradient taken at w + e. Weight decay acts in the
/// optimizer's step only, as with sam.py's base optimizer.
/// </summary>
public sealed class SharpnessAwareMinimization : IDisposable
{
    private Tensor[]? _saved;

    /// <summary>SAM of radius <paramref name="rho"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rho"/> is negative or not finite.</exception>
    public SharpnessAwareMinimization(double rho)
    {
        if (!(rho >= 0) || !double.IsFinite(rho)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "SAM's rho must be finite and >= 0");
        Rho = rho;
    }

    /// <summary>The neighbourhood radius ρ.</summary>
    public double Rho { get; }

    /// <summary>sam.py's <c>first_step(zero_grad=True)</c>: saves w, moves the parameters of
    /// <paramref name="store"/> to w + e(w) along their gradients, and zeroes the gradients.</summary>
    /// <exception cref="InvalidOperationException">A first step is already pending.</exception>
    public void FirstStep(ParameterStore store)
    {
        if (_saved is not null) throw new InvalidOperationException("SAM's first step was taken twice without the second");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var device = store.Buffers[0].Grad.device;
        var norms = store.Buffers.Select(b => b.Grad.norm().to(device)).ToArray();
        var norm = norms.Length == 1 ? norms[0] : torch.stack(norms).norm();
        using var eps = 1e-12.ToScalar();
        using var rho = Rho.ToScalar();
        using var one = 1.0.ToScalar();
        var scale = norm.add(eps, one).reciprocal_().mul_(rho);
        _saved = store.Buffers.Select(b => b.Data.clone().DetachFromDisposeScope()).ToArray();
        foreach (var b in store.Buffers) b.Data.add_(b.Grad.mul(scale.to(b.Grad.dtype, b.Grad.device)), one);
        store.ZeroGrad();
    }

    /// <summary>sam.py's <c>second_step</c> up to the optimizer's step: puts w back.</summary>
    /// <exception cref="InvalidOperationException">No first step is pending.</exception>
    public void SecondStep(ParameterStore store)
    {
        var saved = _saved ?? throw new InvalidOperationException("SAM's second step without a first");
        using (torch.no_grad())
            for (int i = 0; i < saved.Length; i++) store.Buffers[i].Data.copy_(saved[i]);
        Release();
    }

    /// <summary>Frees a pending first step's copy of the weights.</summary>
    public void Dispose() => Release();

    private void Release()
    {
        foreach (var t in _saved ?? []) t.Dispose();
        _saved = null;
    }
}

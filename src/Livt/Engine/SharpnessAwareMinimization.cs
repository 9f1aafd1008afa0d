using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// Sharpness-aware minimisation (Foret et al., ICLR 2021) as DeiT-LT's teachers are trained with it
/// (Rangwani et al., NeurIPS 2022, <c>val-iisc/Saddle-LongTail</c> <c>sam.py</c>, davda54's SAM, not the
/// adaptive ASAM): the gradient g at w gives the ascent step e = ρ·g / (‖g‖ + 1e−12), ‖g‖ the norm over every
/// parameter with a gradient; the loss is evaluated again at w + e, and the optimizer steps from w with
/// that second gradient. <see cref="FirstStep"/> and <see cref="SecondStep"/> are <c>sam.py</c>'s two steps
/// on the parameters and their gradients, around any optimizer's own step.
/// <para>
/// <see cref="Loss"/> runs both passes inside a stage's loss, so the trainer's step (one backward, gradient
/// averaging, clipping, the optimizer) applies SAM unchanged: the tensor it returns has the second loss's
/// value and, as its gradient, the second pass's gradient, through a surrogate Σ p·g₂ that is constant in
/// value. Under several processes the first gradient is averaged over them before the ascent, as DDP
/// averages every backward; the second is averaged by the trainer. Weight decay acts in the optimizer's
/// step only, not in the ascent, as with sam.py's base optimizer.
/// </para>
/// </summary>
public sealed class SharpnessAwareMinimization
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly IDataParallel _parallel;
    private Tensor[]? _saved;

    /// <summary>SAM of radius <paramref name="rho"/> over <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rho"/> is negative or not finite.</exception>
    public SharpnessAwareMinimization(double rho, IReadOnlyList<Parameter> parameters, IDataParallel? parallel = null)
    {
        if (!(rho >= 0) || !double.IsFinite(rho)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "SAM's rho must be finite and >= 0");
        Rho = rho;
        _parameters = parameters;
        _parallel = parallel ?? SingleProcessParallel.Instance;
    }

    /// <summary>The neighbourhood radius ρ.</summary>
    public double Rho { get; }

    /// <summary>sam.py's <c>first_step</c>: saves w and moves every parameter with a gradient to w + e(w).</summary>
    /// <exception cref="InvalidOperationException">A first step is already pending.</exception>
    public void FirstStep()
    {
        if (_saved is not null) throw new InvalidOperationException("SAM's first step was taken twice without the second");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var withGrad = _parameters.Where(p => p.grad is not null).ToArray();
        var norm = torch.stack(withGrad.Select(p => p.grad!.norm()).ToArray()).norm();
        using var eps = 1e-12.ToScalar();
        using var rho = Rho.ToScalar();
        var scale = norm.add(eps).reciprocal().mul(rho);
        _saved = new Tensor[_parameters.Count];
        for (int i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i];
            if (p.grad is null) continue;
            _saved[i] = p.detach().clone().DetachFromDisposeScope();
            p.add_(p.grad.mul(scale.to(p.dtype)));
        }
    }

    /// <summary>sam.py's <c>second_step</c> without the optimizer's step: puts w back.</summary>
    /// <exception cref="InvalidOperationException">No first step is pending.</exception>
    public void SecondStep()
    {
        var saved = _saved ?? throw new InvalidOperationException("SAM's second step without a first");
        using (torch.no_grad())
            for (int i = 0; i < _parameters.Count; i++)
            {
                if (saved[i] is not { } w) continue;
                _parameters[i].copy_(w);
                w.Dispose();
            }
        _saved = null;
    }

    /// <summary>
    /// Both passes of one SAM step on the loss <paramref name="loss"/> computes (called twice, at w and at
    /// w + e, with the parameters' gradients empty on entry): returns a scalar whose value is the loss at
    /// w + e and whose backward puts the gradient at w + e into the parameters, which are back at w.
    /// </summary>
    public Tensor Loss(Func<Tensor> loss)
    {
        ClearGrads();
        using (var first = loss()) first.backward();
        _parallel.AverageGradients(_parameters);
        FirstStep();
        ClearGrads();
        var second = loss();
        second.backward();
        SecondStep();
        using var scope = torch.NewDisposeScope();
        Tensor? surrogate = null;
        foreach (var p in _parameters)
        {
            if (p.grad is not { } g) continue;
            var term = p.mul(g.detach().clone()).sum();
            surrogate = surrogate is null ? term : surrogate.add(term);
        }
        ClearGrads();
        var value = second.detach();
        if (surrogate is null) return value.MoveToOuterDisposeScope();
        return value.add(surrogate.sub(surrogate.detach())).MoveToOuterDisposeScope();
    }

    private void ClearGrads()
    {
        foreach (var p in _parameters) p.grad = null;
    }
}

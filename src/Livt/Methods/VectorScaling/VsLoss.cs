using Livt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Methods.VectorScaling;

/// <summary>
/// Vector-scaling loss (Kini et al., "Label-Imbalanced and Group-Sensitive Classification under
/// Overparameterization", NeurIPS 2021): cross-entropy on logits scaled and shifted per class,
/// z'_c = Δ_c·z_c + ι_c with Δ_c = (n_c / n_max)^γ and ι_c = τ·log π_c, so rare classes get smaller
/// logits to overcome (a larger margin) and the prior is added as in logit adjustment. γ = 0 is Bal-CE,
/// τ = 0 as well is plain CE. Soft targets (Mixup/CutMix) take the soft-target CE of the same logits.
/// </summary>
public sealed class VsLoss : LongTailLoss
{
    private readonly double[] _scale;
    private readonly double[] _shift;

    /// <param name="classCounts">Training images per class.</param>
    /// <param name="options">γ and τ.</param>
    /// <exception cref="LivtException">γ or τ not finite, or γ negative.</exception>
    public VsLoss(IReadOnlyList<long> classCounts, VsOptions options) : base(classCounts)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.VsGamma >= 0) || !double.IsFinite(options.VsGamma))
            throw new LivtException($"--vs-gamma {options.VsGamma}: must be finite and ≥ 0");
        if (!double.IsFinite(options.VsTau)) throw new LivtException($"--vs-tau {options.VsTau}: must be finite");
        double max = ClassCounts.Max();
        _scale = ClassCounts.Select(n => Math.Pow(n / max, options.VsGamma)).ToArray();
        _shift = ClassStatistics.Prior(ClassCounts).Select(p => options.VsTau * Math.Log(p)).ToArray();
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var y = Distribution(logits, targets, labels, 0.0);
        // Held: `a + b` makes a temporary alpha Scalar the GC can finalize while libtorch reads it.
        using Scalar one = 1;
        var z = (logits * PerClass(_scale, logits)).add(PerClass(_shift, logits), one);
        return scope.MoveToOuter(Functions.SoftCrossEntropy(z, y));
    }
}

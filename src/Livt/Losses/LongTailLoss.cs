using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// A classification loss that knows the training class counts (the long-tailed prior). It is a pure
/// function of the logits and targets: it holds no tensors, builds its per-class constants on the
/// logits' device and dtype at each call, and stays differentiable w.r.t. the logits.
/// </summary>
public abstract class LongTailLoss
{
    /// <param name="classCounts">Training images per class, in class-id order.</param>
    /// <exception cref="LivtException">Fewer than two classes, or a class with no training image (its
    /// prior would be 0 and every prior-based term infinite).</exception>
    protected LongTailLoss(IReadOnlyList<long> classCounts)
    {
        ArgumentNullException.ThrowIfNull(classCounts);
        if (classCounts.Count < 2)
            throw new LivtException($"class counts: a classification loss needs at least 2 classes, got {classCounts.Count}");
        for (int c = 0; c < classCounts.Count; c++)
            if (classCounts[c] < 1)
                throw new LivtException($"class counts: class {c} has {classCounts[c]} training images; the long-tailed losses need at least 1 per class");
        ClassCounts = classCounts.ToArray();
    }

    /// <summary>Training images per class, in class-id order.</summary>
    public IReadOnlyList<long> ClassCounts { get; }

    private static readonly ScalarType[] IntegerTypes =
        { ScalarType.Int64, ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte };

    /// <summary>Number of classes C.</summary>
    protected int NumClasses => ClassCounts.Count;

    /// <summary>The mean loss over the batch, as a scalar.</summary>
    /// <param name="logits">[N, C] raw classifier outputs.</param>
    /// <param name="targets">Either int64 (any integer type) class ids [N], or float soft targets [N, C]
    /// (mixup / cutmix / label smoothing).</param>
    /// <exception cref="ArgumentException">Shapes disagree, a label is outside [0, C), or soft targets are
    /// given to a loss whose <see cref="AcceptsSoftTargets"/> is false.</exception>
    public abstract Tensor Forward(Tensor logits, Tensor targets);

    /// <summary>False where the official loss is defined for hard labels only.</summary>
    public virtual bool AcceptsSoftTargets => true;

    /// <summary>Tells the loss the current (0-based) epoch; only losses with an epoch-dependent schedule
    /// (LDAM's deferred re-weighting) use it.</summary>
    public virtual void SetEpoch(int epoch) { }

    /// <summary>Validates logits and targets. Returns the hard labels as int64, or null when the
    /// targets are soft (then they have the logits' shape).</summary>
    protected Tensor? HardLabels(Tensor logits, Tensor targets)
    {
        if (logits.dim() != 2 || logits.shape[1] != NumClasses)
            throw new ArgumentException($"logits must be [N, {NumClasses}], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        if (!logits.is_floating_point())
            throw new ArgumentException($"logits must be floating point, got {logits.dtype}", nameof(logits));
        long n = logits.shape[0];

        if (targets.is_floating_point())
        {
            if (!targets.shape.SequenceEqual(logits.shape))
                throw new ArgumentException($"soft targets must have the logits' shape [{n}, {NumClasses}], got [{string.Join(", ", targets.shape)}]",
                    nameof(targets));
            if (!AcceptsSoftTargets)
                throw new ArgumentException($"{GetType().Name} needs hard class labels [N]; it cannot take soft (mixup/cutmix) targets", nameof(targets));
            return null;
        }

        if (!IntegerTypes.Contains(targets.dtype) || targets.dim() != 1 || targets.shape[0] != n)
            throw new ArgumentException($"hard targets must be class ids [{n}], got [{string.Join(", ", targets.shape)}] of {targets.dtype}", nameof(targets));
        var labels = targets.to(ScalarType.Int64);
        if (n > 0)
        {
            using Scalar zero = 0, classes = NumClasses;
            using var bad = torch.logical_or(labels.lt(zero), labels.ge(classes)).nonzero();
            if (bad.shape[0] > 0)
            {
                long i = bad[0, 0].item<long>();
                throw new ArgumentException($"target label {labels[i].item<long>()} (sample {i}) is outside [0, {NumClasses}): the loss has C = " +
                    $"{NumClasses} classes", nameof(targets));
            }
        }
        return labels;
    }

    /// <summary>Targets as a class distribution [N, C] in the logits' dtype: soft targets as given,
    /// hard labels one-hot with timm's smoothing (off = s/C, on = 1 − s + s/C).</summary>
    protected Tensor Distribution(Tensor logits, Tensor targets, Tensor? labels, double smoothing)
    {
        if (labels is null) return targets.to(logits.dtype);
        double off = smoothing / NumClasses, on = 1.0 - smoothing + off;
        var oneHot = torch.nn.functional.one_hot(labels.to(logits.device), NumClasses).to(logits.dtype);
        // Scalars held to the end: a temporary one can be finalized while libtorch reads it (see Block).
        // add(Scalar) makes a temporary alpha of 1 itself, so it is given one too.
        using Scalar scale = on - off, offset = off, one = 1;
        return oneHot.mul(scale).add(offset, one);
    }

    /// <summary>A per-class constant [C] on the logits' device, in their dtype.</summary>
    protected static Tensor PerClass(double[] values, Tensor like) =>
        torch.tensor(values, dtype: like.dtype, device: like.device);
}

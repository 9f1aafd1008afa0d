using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Augmentation;

/// <summary>
/// CMO, "The Majority Can Help the Minority: Context-rich Minority Oversampling for Long-tailed
/// Classification" (Park et al., CVPR 2022; naver-ai/cmo, <c>cifar_train.py</c> / <c>imagenet_train.py</c>):
/// CutMix whose background is a batch from the usual (instance-balanced) loader and whose pasted patch
/// comes from a batch drawn by a minority-weighted sampler (<see cref="Data.MinorityWeightedSampler"/>).
/// Per batch, inside the epoch window start &lt; epoch &lt; epochs − end, with probability
/// <see cref="Probability"/>: λ ~ Beta(β, β), a <c>rand_bbox</c> box of the foreground batch is pasted
/// onto the background batch, λ is corrected to the uncovered fraction, and the targets are
/// λ·y_background + (1 − λ)·y_foreground (the official loss λ·ℓ(y_bg) + (1 − λ)·ℓ(y_fg) for a loss linear
/// in its targets).
/// </summary>
public sealed class CmoMix
{
    /// <param name="numClasses">C of the targets.</param>
    /// <param name="totalEpochs">Epochs of the stage (the window's end is counted back from it).</param>
    /// <param name="probability">Chance that a batch inside the window is mixed (official 0.5).</param>
    /// <param name="beta">β of λ ~ Beta(β, β) (official 1).</param>
    /// <param name="startEpoch">Mixing starts after this 0-based epoch (official 3).</param>
    /// <param name="endEpochs">Mixing stops this many epochs before the end (official 3).</param>
    /// <param name="smoothing">Label smoothing of both one-hot targets (timm's form; 0 in the official code).</param>
    /// <exception cref="ArgumentException">An option out of range.</exception>
    public CmoMix(int numClasses, int totalEpochs, double probability = 0.5, double beta = 1.0, int startEpoch = 3, int endEpochs = 3, double smoothing = 0)
    {
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "need at least one class");
        if (probability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(probability), probability, "must be in [0, 1]");
        if (!(beta > 0)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "must be > 0");
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "must be in [0, 1)");
        (NumClasses, TotalEpochs, Probability, Beta, StartEpoch, EndEpochs, Smoothing) =
            (numClasses, totalEpochs, probability, beta, startEpoch, endEpochs, smoothing);
    }

    /// <summary>C of the targets.</summary>
    public int NumClasses { get; }

    /// <summary>Epochs of the stage.</summary>
    public int TotalEpochs { get; }

    /// <summary>Chance that a batch inside the window is mixed.</summary>
    public double Probability { get; }

    /// <summary>β of λ ~ Beta(β, β).</summary>
    public double Beta { get; }

    /// <summary>Mixing starts after this 0-based epoch.</summary>
    public int StartEpoch { get; }

    /// <summary>Mixing stops this many epochs before the end.</summary>
    public int EndEpochs { get; }

    /// <summary>Label smoothing of the one-hot targets.</summary>
    public double Smoothing { get; }

    /// <summary>The official window, strict on both sides: start &lt; epoch &lt; epochs − end (0-based).</summary>
    public bool ActiveAt(int epoch) => StartEpoch < epoch && epoch < TotalEpochs - EndEpochs;

    /// <summary>
    /// Mixes one batch in place. Outside the window, or when the batch is not drawn for mixing, the
    /// background comes back unchanged with its one-hot targets and λ = 1.
    /// </summary>
    /// <param name="background">[N, C, H, W] images of the usual loader; modified in place.</param>
    /// <param name="backgroundLabels">[N] their labels.</param>
    /// <param name="foreground">[M ≥ N, C, H, W] images of the minority-weighted loader; its first N are used.</param>
    /// <param name="foregroundLabels">[M] their labels.</param>
    /// <param name="epoch">0-based epoch, for the window.</param>
    /// <param name="rng">Draws whether to mix, λ and the box.</param>
    /// <returns>The images, float32 soft targets [N, NumClasses] on the labels' device, and λ (the
    /// background's share of the pixels).</returns>
    /// <exception cref="ArgumentException">Shapes that do not fit.</exception>
    public (Tensor Images, Tensor Targets, double Lambda) Apply(Tensor background, Tensor backgroundLabels,
        Tensor foreground, Tensor foregroundLabels, int epoch, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (background.dim() != 4 || foreground.dim() != 4)
            throw new ArgumentException($"CMO expects images [N, C, H, W], got {background.dim()} and {foreground.dim()} dims");
        long n = background.shape[0];
        if (foreground.shape[0] < n || !background.shape.Skip(1).SequenceEqual(foreground.shape.Skip(1)))
            throw new ArgumentException($"CMO foreground batch [{string.Join(", ", foreground.shape)}] cannot cover background batch " +
                $"[{string.Join(", ", background.shape)}]");
        if (backgroundLabels.shape[0] != n || foregroundLabels.shape[0] != foreground.shape[0])
            throw new ArgumentException("CMO: one label per image is needed in both batches");

        double lambda = 1;
        if (ActiveAt(epoch) && rng.NextDouble() < Probability)
        {
            lambda = rng.NextBeta(Beta, Beta);
            int h = (int)background.shape[2], w = (int)background.shape[3];
            var (yl, yh, xl, xh) = CutmixBox.Sample(h, w, lambda, rng);
            lambda = 1.0 - (double)(yh - yl) * (xh - xl) / ((double)h * w);
            if (yh > yl && xh > xl)
            {
                using var scope = NewDisposeScope();
                var rows = TensorIndex.Slice(yl, yh);
                var cols = TensorIndex.Slice(xl, xh);
                background[TensorIndex.Colon, TensorIndex.Colon, rows, cols].copy_(
                    foreground[TensorIndex.Slice(0, n), TensorIndex.Colon, rows, cols]);
            }
        }
        return (background, Targets(backgroundLabels, foregroundLabels.narrow(0, 0, n), lambda), lambda);
    }

    private Tensor Targets(Tensor backgroundLabels, Tensor foregroundLabels, double lambda)
    {
        using var scope = NewDisposeScope();
        var y = SoftTargets.OneHot(backgroundLabels, NumClasses, Smoothing);
        if (lambda >= 1) return y.MoveToOuterDisposeScope();
        var y2 = SoftTargets.OneHot(foregroundLabels.to(backgroundLabels.device), NumClasses, Smoothing);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar a = lambda, b = 1.0 - lambda, one = 1;
        return y.mul_(a).add_(y2.mul_(b), one).MoveToOuterDisposeScope();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Augmentation;

/// <summary>
/// timm's Mixup in "batch" mode: with probability <c>prob</c> the whole batch is mixed with itself
/// reversed (x.flip(0)), by CutMix (probability <c>switchProb</c> when both are on) or Mixup, with
/// λ ~ Beta(α, α); CutMix pastes one box (timm's rand_bbox) and corrects λ to the uncovered fraction.
/// Targets are the correspondingly mixed smoothed one-hots. Parameters come from a Random seeded once.
/// </summary>
public sealed class MixupCutmix
{
    private readonly double _mixupAlpha, _cutmixAlpha, _switchProb, _prob, _smoothing;
    private readonly int _numClasses;
    private readonly Random _rng;

    /// <summary>Creates the mixer; both alphas 0 disables mixing (targets are still smoothed one-hots).</summary>
    public MixupCutmix(double mixupAlpha, double cutmixAlpha, double switchProb, double prob, double labelSmoothing, int numClasses, int seed)
    {
        if (mixupAlpha < 0 || cutmixAlpha < 0) throw new ArgumentException($"mixup/cutmix alphas must be >= 0 (got {mixupAlpha}, {cutmixAlpha})");
        if (switchProb is < 0 or > 1 || prob is < 0 or > 1) throw new ArgumentException("mixup probabilities must be in [0, 1]");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "need at least one class");
        (_mixupAlpha, _cutmixAlpha, _switchProb, _prob, _smoothing, _numClasses) =
            (mixupAlpha, cutmixAlpha, switchProb, prob, labelSmoothing, numClasses);
        _rng = new Random(seed);
    }

    /// <summary>False when both alphas are 0.</summary>
    public bool Enabled => _mixupAlpha > 0 || _cutmixAlpha > 0;

    /// <summary>
    /// Mixes <paramref name="images"/> [N, C, H, W] in place and returns them with soft targets
    /// float32 [N, numClasses] (on the labels' device, rows summing to 1) and the λ used (1 = unmixed).
    /// </summary>
    public (Tensor Images, Tensor Targets, double Lambda) Apply(Tensor images, Tensor labels)
    {
        if (images.dim() != 4) throw new ArgumentException($"mixup expects images [N, C, H, W], got {images.dim()} dims");
        var (lambda, cutmix) = SampleParams();
        if (lambda < 1)
        {
            using var scope = NewDisposeScope();
            if (cutmix)
            {
                var (yl, yh, xl, xh) = CutmixBox.Sample((int)images.shape[2], (int)images.shape[3], lambda, _rng);
                lambda = 1.0 - (double)(yh - yl) * (xh - xl) / (images.shape[2] * images.shape[3]);
                if (yh > yl && xh > xl)
                {
                    var region = images[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(yl, yh), TensorIndex.Slice(xl, xh)];
                    region.copy_(region.flip(0));
                }
            }
            else
            {
                // Scalars held to the end: a temporary one can be finalized while libtorch reads it (see Block).
                using Scalar keep = lambda, other = 1.0 - lambda, one = 1.0;
                var flipped = images.flip(0).mul_(other);
                images.mul_(keep).add_(flipped, one);
            }
        }
        return (images, MixTargets(labels, lambda), lambda);
    }

    private Tensor MixTargets(Tensor labels, double lambda)
    {
        using var scope = NewDisposeScope();
        var y1 = SoftTargets.OneHot(labels, _numClasses, _smoothing);
        if (lambda >= 1) return y1.MoveToOuterDisposeScope();
        var y2 = SoftTargets.OneHot(labels.flip(0), _numClasses, _smoothing);
        using Scalar keep = lambda, other = 1.0 - lambda, one = 1.0;
        return y1.mul_(keep).add_(y2.mul_(other), one).MoveToOuterDisposeScope();
    }

    /// <summary>timm's _params_per_batch.</summary>
    private (double Lambda, bool Cutmix) SampleParams()
    {
        if (!Enabled || !(_rng.NextDouble() < _prob)) return (1.0, false);
        bool cutmix = _mixupAlpha > 0 && _cutmixAlpha > 0 ? _rng.NextDouble() < _switchProb : _cutmixAlpha > 0;
        double alpha = cutmix ? _cutmixAlpha : _mixupAlpha;
        return (_rng.NextBeta(alpha, alpha), cutmix);
    }
}

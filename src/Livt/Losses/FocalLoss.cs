using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// Softmax focal loss (Lin et al., ICCV 2017) as in the LDAM-DRW code LiVT's baselines come from:
/// per sample (1 − p_y)^γ · (−log p_y), mean over the batch. Soft targets generalise it to
/// Σ_c y_c (1 − p_c)^γ (−log p_c), which is the same for one-hot targets. Not in the official LiVT
/// code; γ = 0 gives cross-entropy.
/// </summary>
internal sealed class FocalLoss : LongTailLoss
{
    private readonly double _gamma;

    public FocalLoss(IReadOnlyList<long> classCounts, double gamma) : base(classCounts) => _gamma = gamma;

    public override Tensor Forward(Tensor logits, Tensor targets)
    {
        using var scope = torch.NewDisposeScope();
        var labels = HardLabels(logits, targets);
        var logp = torch.nn.functional.log_softmax(logits, 1);
        // Hard labels take only the true class's term, so a confident wrong class (p_c = 1, weight 0)
        // cannot turn the γ < 1 gradient into 0·∞.
        var loss = labels is null
            ? (targets.to(logits.dtype) * Focal(logp)).sum(1).mean()
            : Focal(logp.gather(1, labels.to(logits.device).unsqueeze(1))).mean();
        return scope.MoveToOuter(loss);
    }

    private Tensor Focal(Tensor logp)
    {
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1, gamma = _gamma;
        return logp.exp().neg().add(one, one).pow(gamma) * -logp;
    }
}

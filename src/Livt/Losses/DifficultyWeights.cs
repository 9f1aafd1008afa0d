using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses;

/// <summary>
/// The loss-side formulas of Difficulty-Net (hitachi-rd-cv/Difficulty_Net, <c>train_stage1.py</c>,
/// <c>cifar_train_exaugment.py</c>): relative difficulty, the driver loss, the normalisation of the
/// predicted difficulties into class weights and the class-weighted batch loss.
/// </summary>
public static class DifficultyWeights
{
    /// <summary>Relative difficulty d_c = 1 − a_c / (Σ_k a_k + 1e-12) of per-class accuracies a ∈ [0, 1]^C:
    /// a class is hard relative to the others (all 1 before any accuracy is known, a = 0).</summary>
    public static Tensor RelativeDifficulty(Tensor accuracies)
    {
        using var scope = torch.NewDisposeScope();
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar one = 1, eps = 1e-12;
        return accuracies.div(accuracies.sum(-1, keepdim: true).add(eps, one)).neg().add(one, one).MoveToOuterDisposeScope();
    }

    /// <summary>The driver loss: mean squared error between the predicted difficulties and the relative
    /// difficulty of the accuracies (it keeps the meta-learning pointed in a meaningful direction).</summary>
    public static Tensor DriverLoss(Tensor predicted, Tensor accuracies)
    {
        using var scope = torch.NewDisposeScope();
        return torch.nn.functional.mse_loss(predicted, RelativeDifficulty(accuracies)).MoveToOuterDisposeScope();
    }

    /// <summary>Class weights from predicted difficulties [C]: w = d / Σd · C (mean 1).</summary>
    public static Tensor Normalize(Tensor difficulties)
    {
        using var scope = torch.NewDisposeScope();
        using Scalar count = difficulties.shape[^1];
        return (difficulties / difficulties.sum() * count).MoveToOuterDisposeScope();
    }

    /// <summary>mean_i w_{y_i} · ℓ_i: the class-weighted batch loss of per-sample losses [N].</summary>
    public static Tensor Weighted(Tensor perSampleLoss, Tensor classWeights, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var w = classWeights.index_select(0, labels.to(ScalarType.Int64).to(classWeights.device));
        return (perSampleLoss * w.to(perSampleLoss.dtype)).mean().MoveToOuterDisposeScope();
    }
}

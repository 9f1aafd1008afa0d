using Livt.Augmentation;
using Livt.Data;
using Livt.Distributed;
using Livt.Evaluation;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Inference;

/// <summary>
/// <c>livt evaluate --tau auto</c>: the strength τ of post-hoc logit adjustment chosen by balanced
/// accuracy on a validation set (<see cref="FineTunedData.Split"/>: a list file, or a split carved from
/// the training set, by default the images fine-tuning held out), over 0, 0.1, …, 2. It is never given the
/// test split.
/// </summary>
public static class TunedLogitAdjustment
{
    /// <summary>Chooses τ for adjusting <paramref name="model"/>'s logits from prior
    /// <paramref name="from"/> to <paramref name="to"/>, on <paramref name="source"/>'s validation set:
    /// <paramref name="valList"/>, or <paramref name="valFraction"/> of each class of
    /// <paramref name="train"/> (null: the fine-tuning run's own fraction, else 0.1), computed in
    /// <paramref name="precision"/> (null: the model as it is); sharded over <paramref name="group"/> when given.</summary>
    public static TunedValue Choose(ClassifierModel model, FineTunedData source, IImageDataset train,
        IReadOnlyList<double> from, IReadOnlyList<double> to, double? valFraction, string? valList,
        IImageTransform transform, Device device, int batchSize, int workers, PrecisionChoice? precision = null, IProcessGroup? group = null)
    {
        double fraction = valList is not null ? 0 : valFraction ?? (source.ValFraction > 0 ? source.ValFraction : 0.1);
        if (fraction <= 0 && valList is null)
            throw new LivtException($"--val-fraction {fraction}: --tau auto needs a validation split (a fraction above 0, or --val-list)");
        var (_, val) = source.Split(train, fraction, valList);
        var predictions = Evaluator.Predict(model, val!, transform, device, batchSize, workers, precision, group);
        using var scope = torch.NewDisposeScope();
        var logits = predictions.Logits;
        return ValidationSearch.Select("logit_adjustment_tau", ValidationSearch.TauGrid, t => LogitAdjustment.Apply(logits, from, to, t), predictions.Labels,
            FineTunedData.Describe(val!, fraction, valList));
    }
}

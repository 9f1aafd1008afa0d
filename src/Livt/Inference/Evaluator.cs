using Livt.Augmentation;
using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Inference;

/// <summary>Runs a classifier over a dataset (eval mode, no gradients) and scores it.</summary>
public static class Evaluator
{
    /// <summary>Collects the logits of every image of <paramref name="data"/>, in dataset order. With a bf16
    /// <paramref name="precision"/> a bf16 copy of the model computes them (LayerNorm and softmax in fp32,
    /// logits returned as fp32); null or fp32 runs the model as it is.</summary>
    public static MetricsAccumulator Predict(VisionTransformer model, IImageDataset data, IImageTransform transform,
        Device device, int batchSize, int workers, PrecisionChoice? precision = null)
    {
        bool wasTraining = model.training;
        model.eval();
        using var bf16 = precision is null ? null : MixedPrecision.For(precision, model, () => new VisionTransformer(model.Config), device);
        var compute = (VisionTransformer?)bf16?.Work ?? model;
        compute.eval();
        var acc = new MetricsAccumulator(data.NumClasses);
        var loader = new DataLoader(data, transform, new LoaderOptions
        {
            BatchSize = batchSize, Shuffle = false, DropLast = false, Workers = workers,
        });
        using (torch.no_grad())
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (torch.NewDisposeScope())
                    acc.Add(compute.call(batch.Images.to(device)).to(ScalarType.Float32), batch.Labels);
            }
        }
        if (wasTraining) model.train();
        return acc;
    }

    /// <summary>Top-1, Many/Medium/Few, ECE and the rest, with shot groups from the training counts.
    /// With a prior shift (<paramref name="priorShift"/>: the prior the logits assume, and the test
    /// prior), logits are first adjusted post hoc: z − τ·log from + τ·log to. <paramref name="precision"/>:
    /// as in <see cref="Predict"/>.</summary>
    public static EvaluationResult Evaluate(VisionTransformer model, IImageDataset data, IImageTransform transform,
        IReadOnlyList<long> trainCounts, Device device, int batchSize, int workers, IReadOnlyList<string>? classNames,
        (IReadOnlyList<double> From, IReadOnlyList<double> To)? priorShift = null, double tau = 1.0, PrecisionChoice? precision = null)
    {
        var acc = Adjust(Predict(model, data, transform, device, batchSize, workers, precision), priorShift, tau);
        return acc.Compute(trainCounts, classNames: classNames);
    }

    /// <summary>The collected logits adjusted post hoc for a prior shift (z − τ·log from + τ·log to), or
    /// <paramref name="acc"/> itself when <paramref name="priorShift"/> is null.</summary>
    public static MetricsAccumulator Adjust(MetricsAccumulator acc, (IReadOnlyList<double> From, IReadOnlyList<double> To)? priorShift, double tau)
    {
        if (priorShift is not { } shift) return acc;
        var adjusted = new MetricsAccumulator(acc.NumClasses);
        using (torch.NewDisposeScope())
            adjusted.Add(LogitAdjustment.Apply(acc.Logits, shift.From, shift.To, tau), acc.Labels);
        return adjusted;
    }
}

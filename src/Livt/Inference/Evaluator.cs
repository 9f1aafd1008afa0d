using Livt.Augmentation;
using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Inference;

/// <summary>
/// Runs a classifier over a dataset (eval mode, no gradients) and scores it. Under a process group of
/// several processes each evaluates its own batches (<see cref="BatchShardSampler"/>) and the logits are
/// gathered, in dataset order, on every process: every metric, post-hoc adjustment and report then
/// equals a single-process evaluation exactly, and each process holds what a single process would.
/// </summary>
public static class Evaluator
{
    /// <summary>Collects the logits of every image of <paramref name="data"/>, in dataset order. With a bf16
    /// <paramref name="precision"/> a bf16 copy of the model computes them (LayerNorm and softmax in fp32,
    /// logits returned as fp32); null or fp32 runs the model as it is. With <paramref name="group"/>, every
    /// process of it must call this with the same arguments.</summary>
    public static MetricsAccumulator Predict(ClassifierModel model, IImageDataset data, IImageTransform transform,
        Device device, int batchSize, int workers, PrecisionChoice? precision = null, IProcessGroup? group = null) =>
        Collect(model, data, transform, device, batchSize, workers, precision, group, 1, (m, x) => [m.call(x)])[0];

    /// <summary>As <see cref="Predict"/>, every head's logits apart: one accumulator per head of
    /// <see cref="ClassifierModel.TrainingOutput"/> [N, K, C] computed in eval mode (the distilled ViT's class
    /// and distillation heads, SADE's experts).</summary>
    public static MetricsAccumulator[] PredictHeads(ClassifierModel model, int heads, IImageDataset data, IImageTransform transform,
        Device device, int batchSize, int workers, PrecisionChoice? precision = null, IProcessGroup? group = null) =>
        Collect(model, data, transform, device, batchSize, workers, precision, group, heads, (m, x) => m.TrainingOutput(x).unbind(1));

    private static MetricsAccumulator[] Collect(ClassifierModel model, IImageDataset data, IImageTransform transform,
        Device device, int batchSize, int workers, PrecisionChoice? precision, IProcessGroup? group, int outputs,
        Func<ClassifierModel, Tensor, Tensor[]> forward)
    {
        bool sharded = group is { WorldSize: > 1 };
        bool wasTraining = model.training;
        model.eval();
        using var bf16 = precision is null ? null : MixedPrecision.For(ModelPrecision.For(precision, model), model, null, model.NewOfSameArchitecture, device);
        var compute = (ClassifierModel?)bf16?.Work ?? model;
        compute.eval();
        var acc = Enumerable.Range(0, outputs).Select(_ => new MetricsAccumulator(data.NumClasses)).ToArray();
        var loader = new DataLoader(data, transform, new LoaderOptions
        {
            BatchSize = batchSize, Shuffle = false, DropLast = false, Workers = workers,
            Sampler = sharded ? new BatchShardSampler(data.Count, batchSize, group!.Rank, group.WorldSize) : null,
        });
        using (torch.no_grad())
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (torch.NewDisposeScope())
                {
                    var logits = forward(compute, batch.Images.to(device));
                    if (logits.Length != outputs) throw new ArgumentException($"the model gave {logits.Length} outputs, {outputs} were expected",
                        nameof(outputs));
                    for (int k = 0; k < outputs; k++) acc[k].Add(logits[k].to(ScalarType.Float32), batch.Labels);
                }
            }
        }
        if (wasTraining) model.train();
        return sharded ? acc.Select(a => Gather(a, data.Count, batchSize, group!)).ToArray() : acc;
    }

    /// <summary>Every process's logits and labels, gathered in dataset order (<see cref="BatchShardGather"/>).</summary>
    private static MetricsAccumulator Gather(MetricsAccumulator local, int count, int batchSize, IProcessGroup group)
    {
        using var scope = torch.NewDisposeScope();
        var result = new MetricsAccumulator(local.NumClasses);
        result.Add(BatchShardGather.Gather(local.Logits, count, batchSize, group), BatchShardGather.Gather(local.Labels, count, batchSize, group));
        return result;
    }

    /// <summary>Top-1, Many/Medium/Few, ECE and the rest, with shot groups from the training counts.
    /// With a prior shift (<paramref name="priorShift"/>: the prior the logits assume, and the test
    /// prior), logits are first adjusted post hoc: z − τ·log from + τ·log to. <paramref name="precision"/>
    /// and <paramref name="group"/>: as in <see cref="Predict"/>. <paramref name="logitScale"/>: per-class
    /// multipliers of the logits (<see cref="Scale"/>), applied before any prior shift.</summary>
    public static EvaluationResult Evaluate(ClassifierModel model, IImageDataset data, IImageTransform transform,
        IReadOnlyList<long> trainCounts, Device device, int batchSize, int workers, IReadOnlyList<string>? classNames,
        (IReadOnlyList<double> From, IReadOnlyList<double> To)? priorShift = null, double tau = 1.0, PrecisionChoice? precision = null,
        IProcessGroup? group = null, IReadOnlyList<double>? logitScale = null)
    {
        var acc = Adjust(Scale(Predict(model, data, transform, device, batchSize, workers, precision, group), logitScale), priorShift, tau);
        return acc.Compute(trainCounts, classNames: classNames);
    }

    /// <summary>The collected logits multiplied class-wise by <paramref name="logitScale"/> (IIF's weights, which
    /// its official evaluation applies to the model's output), or <paramref name="acc"/> itself when it is null.</summary>
    public static MetricsAccumulator Scale(MetricsAccumulator acc, IReadOnlyList<double>? logitScale)
    {
        if (logitScale is null) return acc;
        var scaled = new MetricsAccumulator(acc.NumClasses);
        using (torch.NewDisposeScope())
            scaled.Add(acc.Logits * torch.tensor(logitScale.ToArray(), acc.Logits.dtype), acc.Labels);
        return scaled;
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

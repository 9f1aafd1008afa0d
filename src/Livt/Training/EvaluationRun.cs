using System.Diagnostics;
using Livt.Augmentation;
using Livt.Data;
using Livt.Evaluation;
using Livt.Runtime;

namespace Livt.Training;

/// <summary>
/// <c>livt evaluate</c>: a saved classifier on a dataset's test split, optionally with post-hoc logit
/// adjustment to a known or assumed test label distribution; writes report.json, report.md and plots.
/// </summary>
public static class EvaluationRun
{
    /// <summary>Evaluates <paramref name="checkpoint"/> (file or run folder). <paramref name="dataset"/>
    /// null means the dataset the model was trained on (from its metadata), found in
    /// <paramref name="dataDir"/> or the default places. <paramref name="testPrior"/>: null for raw
    /// logits, "uniform", "train", or a file of per-class counts or probabilities. <paramref name="precision"/>:
    /// auto (bf16 where the device has it natively), fp32 or bf16.</summary>
    public static (EvaluationResult Result, string ReportPath) Run(string checkpoint, DatasetOptions? dataset, string? dataDir,
        string? testPrior, double tau, string outDir, string device, int batchSize, int workers, int threads, string precision = "auto")
    {
        var clock = Stopwatch.StartNew();
        LivtRuntime.Initialize(threads);
        var dev = TrainingDevice.Parse(device);
        var choice = PrecisionPolicy.Resolve(precision, dev);
        var (model, meta) = ModelCheckpoint.LoadClassifier(checkpoint, dev);
        using (model)
        {
            var options = dataset ?? new DatasetOptions
            {
                Name = meta.Dataset, Imbalance = meta.Imbalance, Seed = meta.Seed, DataDir = dataDir,
            };
            var test = DatasetCatalog.Load(options).Test;
            if (test.NumClasses != meta.ClassCounts.Length)
                throw new LivtException($"{checkpoint}: the model has {meta.ClassCounts.Length} classes, the test split of {options.Name} has {test.NumClasses}");
            if (test.Channels != meta.Model.InChans)
                throw new LivtException($"{checkpoint}: the model takes {meta.Model.InChans}-channel images, {options.Name} has {test.Channels}");

            (IReadOnlyList<double>, IReadOnlyList<double>)? shift = null;
            if (testPrior is not null)
            {
                var from = PriorCorrection.SourcePrior(meta.Loss, meta.ClassCounts);
                double total = meta.ClassCounts.Sum();
                double[] to = testPrior switch
                {
                    "uniform" => Enumerable.Repeat(1.0 / meta.ClassCounts.Length, meta.ClassCounts.Length).ToArray(),
                    "train" => meta.ClassCounts.Select(c => c / total).ToArray(),
                    _ => LogitAdjustment.ParsePriorFile(testPrior, meta.ClassCounts.Length),
                };
                shift = (from, to);
            }
            var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
            var result = Evaluator.Evaluate(model, test, transform, meta.ClassCounts, dev, batchSize, workers, meta.ClassNames, shift, tau, choice);
            var report = Reports.Write(outDir, result, new ReportInfo("evaluate", meta.Loss ?? "", $"{meta.Model.EmbedDim}d-{meta.Model.Depth}L-p{meta.Model.PatchSize}",
                options.Name, 0, clock.Elapsed.TotalSeconds, meta.Imbalance, meta.Seed, testPrior), null);
            return (result, report);
        }
    }
}

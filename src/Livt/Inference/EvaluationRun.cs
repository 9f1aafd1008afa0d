using System.Diagnostics;
using Livt.Augmentation;
using Livt.Data;
using Livt.Distributed;
using Livt.Evaluation;
using Livt.Runtime;

using Livt.Engine;
using Livt.Interop;

namespace Livt.Inference;

/// <summary>
/// <c>livt evaluate</c>: a saved classifier on a dataset's test split, optionally with post-hoc logit
/// adjustment to a known or assumed test label distribution; writes report.json, report.md and plots.
/// </summary>
public static class EvaluationRun
{
    /// <summary>Evaluates <paramref name="checkpoint"/> (file or run folder). <paramref name="dataset"/>
    /// null means the dataset the model was trained on (from its metadata and its run's config.json),
    /// found in <paramref name="dataDir"/>, the run's data_dir or the default places. <paramref name="testPrior"/>: null for raw
    /// logits, "uniform", "train", or a file of per-class counts or probabilities.
    /// <paramref name="testDistributions"/>: null, "all" or a list such as "forward50,uniform,backward50"
    /// adds the test-agnostic table (<see cref="TestAgnosticSplits"/>, splits drawn with
    /// <paramref name="splitSeed"/>) to the report. <paramref name="tau"/>
    /// null chooses τ on a validation split of the training set (<see cref="TunedLogitAdjustment"/>,
    /// <paramref name="valFraction"/> of each class, or the images of <paramref name="valList"/>).
    /// <paramref name="precision"/>: auto (bf16 where the device has it natively), fp32 or bf16.
    /// With <paramref name="group"/> (a job of several processes, all calling this alike) every process
    /// predicts its share of the images, all get the same result, and only the first writes the report:
    /// the others get a null path.</summary>
    public static (EvaluationResult Result, string? ReportPath) Run(string checkpoint, DatasetOptions? dataset, string? dataDir,
        string? testPrior, double? tau, string outDir, string device, int batchSize, int workers, int threads,
        RawCheckpointOptions? raw = null, ITrainingObserver? observer = null, double? valFraction = null, string? valList = null,
        string? testDistributions = null, int splitSeed = 0, string precision = "auto", IProcessGroup? group = null)
    {
        var distributions = testDistributions is null ? null : TestDistribution.ParseList(testDistributions);
        var clock = Stopwatch.StartNew();
        var launch = LaunchEnvironment.Detect();
        LivtRuntime.Initialize(threads > 0 ? threads : launch.DefaultThreads);
        var dev = ProcessGroups.LocalDevice(TrainingDevice.Parse(device), launch);
        var choice = PrecisionPolicy.Resolve(precision, dev);
        var (model, meta) = ModelCheckpoint.LoadClassifier(checkpoint, dev, raw);
        using (model)
        {
            if (meta.Inferred is not null) observer?.Message(meta.Inferred);
            if (meta.DescribeLogitScale() is { } scaledNote) observer?.Message(scaledNote);
            if (dataset is null && meta.Dataset.Length == 0)
                throw new LivtException($"{checkpoint}: has no Livt metadata naming the dataset it was trained on: give --dataset (and --data-dir, --train-list/--test-list as for training)");
            // The run folder's config.json, when there is one, knows where the data was.
            var source = FineTunedData.Of(ModelCheckpoint.Resolve(checkpoint), meta, dataDir);
            var options = dataset ?? source.Dataset;
            var splits = DatasetCatalog.Load(options);
            var test = splits.Test;
            if (test.NumClasses != meta.Model.NumClasses)
                throw new LivtException($"{checkpoint}: the model has {meta.Model.NumClasses} classes, the test split of {options.Name} has {test.NumClasses}");
            if (test.Channels != meta.Model.InChans)
                throw new LivtException($"{checkpoint}: the model takes {meta.Model.InChans}-channel images, {options.Name} has {test.Channels}");
            // Without Livt metadata the training split tells the class names and counts (shot groups, prior).
            if (meta.ClassCounts.Length == 0)
                meta = meta with { ClassCounts = DatasetStats.ClassCounts(splits.Train), ClassNames = splits.Train.ClassNames.ToArray() };

            (IReadOnlyList<double>, IReadOnlyList<double>)? shift = testPrior is null
                ? null
                : PriorCorrection.ForTestPrior(testPrior, meta.Loss, meta.ClassCounts, meta.Sampler);
            var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
            TunedValue? tuned = null;
            if (tau is null)
            {
                if (shift is not { } s) throw new LivtException("--tau auto tunes post-hoc logit adjustment: give --test-prior too");
                tuned = TunedLogitAdjustment.Choose(model, source with { Dataset = options }, splits.Train, s.Item1, s.Item2, valFraction, valList,
                    transform, dev, batchSize, workers, choice, group);
            }
            var logits = Evaluator.Adjust(Evaluator.Predict(model, test, transform, dev, batchSize, workers, choice, group), shift, tuned?.Value ?? tau!.Value);
            var result = logits.Compute(meta.ClassCounts, classNames: meta.ClassNames);
            var splitMetrics = distributions is null ? null : TestAgnosticSplits.Evaluate(logits, meta.ClassCounts, distributions, splitSeed, meta.ClassNames);
            if (group is { IsFirst: false }) return (result, null);
            var report = Reports.Write(outDir, result, new ReportInfo("evaluate", meta.Loss ?? "", $"{meta.Model.EmbedDim}d-{meta.Model.Depth}L-p{meta.Model.PatchSize}",
                options.Name, 0, clock.Elapsed.TotalSeconds, meta.Imbalance, meta.Seed, testPrior, Tuned: tuned, Precision: choice,
                Processes: group?.WorldSize ?? 1, Backend: group?.Backend ?? "single",
                Notes: meta.DescribeLogitScale() is { } scaled ? [scaled] : null), null, splitMetrics, splitSeed);
            return (result, report);
        }
    }
}

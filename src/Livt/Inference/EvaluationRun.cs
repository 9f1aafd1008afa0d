using System.Diagnostics;
using Livt.Augmentation;
using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Interop;
using Livt.Models;
using Livt.Runtime;

namespace Livt.Inference;

/// <summary>
/// <c>livt evaluate</c>: a saved classifier on a dataset's test split, optionally with post-hoc logit
/// adjustment to a known or assumed test label distribution; writes report.json, report.md and plots.
/// </summary>
public static class EvaluationRun
{
    /// <summary>Evaluates <see cref="EvaluateOptions.Checkpoint"/> (file or run folder). Without
    /// <see cref="EvaluateOptions.Dataset"/>, on the dataset the model was trained on (from its metadata and its run's
    /// config.json), found in <see cref="EvaluateOptions.DataDir"/>, the run's data_dir or the default places.
    /// <see cref="EvaluateOptions.TestPrior"/>: null for raw logits, "uniform", "train", a file of per-class counts or
    /// probabilities, or "split" (with <see cref="EvaluateOptions.TestDistributions"/>: each split, and the whole test
    /// set, adjusted to its own label distribution, the oracle of a known test prior).
    /// <see cref="EvaluateOptions.TestDistributions"/>: null, "all" or a list such as "forward50,uniform,backward50"
    /// adds the test-agnostic table (<see cref="TestAgnosticSplits"/>) to the report. A null
    /// <see cref="EvaluateOptions.Tau"/> chooses τ on a validation split of the training set
    /// (<see cref="TunedLogitAdjustment"/>). Test-time aggregation (a multi-expert model, with test distributions)
    /// adds, on every split, SADE's test-time self-supervised aggregation (<see cref="ExpertAggregation"/>); a
    /// multi-expert model is otherwise scored with its experts averaged.
    /// With <paramref name="group"/> (a job of several processes, all calling this alike) every process
    /// predicts its share of the images, all get the same result, and only the first writes the report:
    /// the others get a null path.</summary>
    public static (EvaluationResult Result, string? ReportPath) Run(EvaluateOptions options, ITrainingObserver? observer = null,
        IProcessGroup? group = null)
    {
        var (checkpoint, testPrior, tau, splitSeed) = (options.Checkpoint, options.TestPrior, options.Tau, options.SplitSeed);
        var (batchSize, workers, aggregation) = (options.BatchSize, options.Workers, options.AggregationToRun());
        var distributions = options.TestDistributions is null ? null : TestDistribution.ParseList(options.TestDistributions);
        if (aggregation is not null) CheckAggregation(aggregation, distributions, testPrior, group);
        var clock = Stopwatch.StartNew();
        var launch = LaunchEnvironment.Detect();
        LivtRuntime.Initialize(options.Threads > 0 ? options.Threads : launch.DefaultThreads);
        var dev = ProcessGroups.LocalDevice(TrainingDevice.Parse(options.Device), launch);
        var requested = PrecisionPolicy.Resolve(options.Precision, dev);
        var (model, meta) = ModelCheckpoint.LoadModel(checkpoint, dev, options.RawCheckpoint());
        var choice = ModelPrecision.For(requested, model);
        using (model)
        {
            CheckModel(checkpoint, model, meta, aggregation, observer);
            var (source, data, splits) = TestData(checkpoint, options.DatasetOverride(), options.DataDir, ref meta);
            var test = splits.Test;

            // "split": every split (and the whole test set) adjusted to its own label distribution, known here.
            bool perSplit = testPrior == PriorCorrection.PerSplit;
            if (perSplit && (distributions is null || tau is null))
                throw new LivtException("--test-prior split adjusts each test split to its own label distribution: give --test-distributions and a fixed " +
                    "--tau (not auto)");
            var shift = Shift(testPrior, perSplit, meta, test);
            var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
            TunedValue? tuned = null;
            if (tau is null)
            {
                if (shift is not { } s) throw new LivtException("--tau auto tunes post-hoc logit adjustment: give --test-prior too");
                tuned = TunedLogitAdjustment.Choose(model, source with { Dataset = data }, splits.Train, s.Item1, s.Item2, options.ValFraction,
                    options.ValList, transform, dev, batchSize, workers, choice, group);
            }
            var predicted = Evaluator.Predict(model, test, transform, dev, batchSize, workers, choice, group);
            var logits = Evaluator.Adjust(predicted, shift, tuned?.Value ?? tau!.Value);
            var result = logits.Compute(meta.ClassCounts, classNames: meta.ClassNames);
            var splitMetrics = distributions is null ? null : perSplit
                ? TestAgnosticSplits.Evaluate(predicted, meta.ClassCounts, distributions, splitSeed, meta.ClassNames, adjustFrom: shift!.Value.Item1,
                    tau: tau!.Value)
                : TestAgnosticSplits.Evaluate(logits, meta.ClassCounts, distributions, splitSeed, meta.ClassNames);
            if (aggregation is not null && model is MultiExpertVisionTransformer experts)
            {
                var resolved = aggregation with { Lr = aggregation.Lr ?? AggregationOptions.DefaultLr(data.Name) };
                observer?.Message($"Test-time aggregation on {splitMetrics!.Count} splits: up to {resolved.Epochs} epochs of two views, batch " +
                    $"{resolved.BatchSize}, SGD lr {resolved.Lr:g3}");
                splitMetrics = ExpertAggregation.Apply(experts, test, splitMetrics!, meta.ClassCounts, splitSeed, transform,
                    AggregationOptions.Views(data.Name, meta.Model.ImageSize, meta.Mean, meta.Std), resolved, dev, batchSize, workers,
                    choice, meta.ClassNames);
            }
            // Every process holds every logit by now; the first writes the report.
            using var folder = new RunFolder(options.ReportFolder(), new ReplicatedParallel(group ?? SingleProcess.Instance));
            var report = folder.Write(dir => Reports.Write(dir, result, Info(meta, data.Name, clock.Elapsed.TotalSeconds, testPrior, tuned, choice, group),
                null, splitMetrics, splitSeed));
            return (result, report);
        }
    }

    /// <summary>Refuses test-time aggregation for a model without experts, and tells what was inferred of a checkpoint
    /// without Livt metadata and how its logits are scaled.</summary>
    private static void CheckModel(string checkpoint, ClassifierModel model, ModelMetadata meta, AggregationOptions? aggregation,
        ITrainingObserver? observer)
    {
        if (aggregation is not null && model is not MultiExpertVisionTransformer)
            throw new LivtException($"{checkpoint}: --test-time-aggregation weights the experts of a multi-expert model (finetune --loss sade); this is " +
                "a single-head ViT");
        if (meta.Inferred is not null) observer?.Message(meta.Inferred);
        if (meta.DescribeLogitScale() is { } scaledNote) observer?.Message(scaledNote);
    }

    /// <summary>What the report says of the evaluation besides its metrics.</summary>
    private static ReportInfo Info(ModelMetadata meta, string dataset, double seconds, string? testPrior, TunedValue? tuned, PrecisionChoice choice,
        IProcessGroup? group) =>
        new("evaluate", meta.Loss ?? "", meta.Model.Summary, dataset, 0, seconds, meta.Imbalance, meta.Seed, testPrior, Tuned: tuned,
            Precision: choice, Processes: group?.WorldSize ?? 1, Backend: group?.Backend ?? "single",
            Notes: meta.DescribeLogitScale() is { } scaled ? [scaled] : null);

    private static void CheckAggregation(AggregationOptions aggregation, IReadOnlyList<TestDistribution>? distributions, string? testPrior,
        IProcessGroup? group)
    {
        if (distributions is null)
            throw new LivtException("--test-time-aggregation learns the experts' weights on each test split: give --test-distributions too");
        if (testPrior is not null)
            throw new LivtException("--test-time-aggregation adapts to each split's label distribution itself: drop --test-prior");
        if (group is { WorldSize: > 1 })
            throw new LivtException($"--test-time-aggregation runs in one process (this job has {group.WorldSize}); start it without mpirun/srun");
        if (aggregation.Epochs < 1 || aggregation.BatchSize < 1 || aggregation.Lr is <= 0)
            throw new LivtException($"--aggregation-epochs {aggregation.Epochs}, --aggregation-batch-size {aggregation.BatchSize}, --aggregation-lr " +
                $"{aggregation.Lr}: each must be positive");
    }

    /// <summary>The data to evaluate on: <paramref name="dataset"/>, else the one the model's metadata or run folder names.
    /// Without Livt metadata, <paramref name="meta"/> takes the class names and counts from the training split.</summary>
    private static (FineTunedData Source, DatasetOptions Options, DatasetSplits Splits) TestData(string checkpoint, DatasetOptions? dataset,
        string? dataDir, ref ModelMetadata meta)
    {
        if (dataset is null && meta.Dataset.Length == 0)
            throw new LivtException($"{checkpoint}: has no Livt metadata naming the dataset it was trained on: give --dataset (and --data-dir, " +
                "--train-list/--test-list as for training)");
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
        return (source, options, splits);
    }

    /// <summary>The post-hoc adjustment's source and target priors, or null without a test prior; with "split" the
    /// target is the whole test set's own distribution.</summary>
    private static (IReadOnlyList<double>, IReadOnlyList<double>)? Shift(string? testPrior, bool perSplit, ModelMetadata meta, IImageDataset test) =>
        testPrior is null
            ? null
            : perSplit
                ? (PriorCorrection.SourcePrior(meta), DatasetStats.ClassCounts(test).Select(n => (double)n).ToArray())
                : PriorCorrection.ForTestPrior(testPrior, meta);
}

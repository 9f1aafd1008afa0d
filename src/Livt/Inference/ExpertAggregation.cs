using Livt.Augmentation;
using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Inference;

/// <summary>
/// <c>livt evaluate --test-distributions … --test-time-aggregation</c> on a multi-expert model: on every
/// re-sampled test split, SADE's test-time self-supervised aggregation (<see cref="TestTimeAggregation"/>)
/// learns the experts' weights from the split's images alone — two augmented views of each
/// (<see cref="TransformPipelines.TestTimeViews"/>), shuffled, as <c>test_training_imagenet.py</c> does on
/// the split it then scores — with the model frozen in eval mode; the split is then scored with its
/// experts' logits (evaluation transform) combined by those weights. Labels are read only to score.
/// </summary>
public static class ExpertAggregation
{
    /// <summary>
    /// Adds the aggregated result to every row of <paramref name="averaged"/> (the splits scored with the
    /// experts averaged, from <see cref="TestAgnosticSplits.Evaluate"/> with <paramref name="splitSeed"/>).
    /// </summary>
    /// <param name="model">The frozen experts.</param>
    /// <param name="test">The balanced test set the splits were drawn from.</param>
    /// <param name="averaged">The splits' results without aggregation.</param>
    /// <param name="trainCounts">Training images per class (the splits' ranking, shot groups).</param>
    /// <param name="splitSeed">Seed of the splits' per-class selection.</param>
    /// <param name="evalTransform">The evaluation transform the splits are scored with.</param>
    /// <param name="views">The two views of an image the weights learn from.</param>
    /// <param name="options">Epochs, learning rate (resolved), batch size, seed.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="batchSize">Batch size of the evaluation pass.</param>
    /// <param name="workers">Loader threads.</param>
    /// <param name="precision">bf16 or fp32 forward (null: the model as it is).</param>
    /// <param name="classNames">A name per class, or null.</param>
    public static IReadOnlyList<TestDistributionResult> Apply(MultiExpertVisionTransformer model, IImageDataset test,
        IReadOnlyList<TestDistributionResult> averaged, IReadOnlyList<long> trainCounts, int splitSeed, IImageTransform evalTransform,
        MultiViewTransform views, AggregationOptions options, Device device, int batchSize, int workers, PrecisionChoice? precision = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(averaged);
        if (views.Count != 2) throw new ArgumentException("test-time aggregation learns from two views of each image", nameof(views));
        double lr = options.Lr ?? throw new ArgumentException("the learning rate must be resolved", nameof(options));
        bool wasTraining = model.training;
        model.eval();
        using var bf16 = precision is null ? null : MixedPrecision.For(precision, model, null, model.NewOfSameArchitecture, device);
        var compute = (MultiExpertVisionTransformer?)bf16?.Work ?? model;
        compute.eval();
        try
        {
            var (logits, labels) = PredictExperts(compute, test, evalTransform, device, batchSize, workers);
            using (logits)
            using (labels)
            {
                var labelList = labels.data<long>().Select(y => (int)y).ToArray();
                var results = new List<TestDistributionResult>(averaged.Count);
                for (int s = 0; s < averaged.Count; s++)
                {
                    var row = averaged[s];
                    var rows = TestAgnosticSplits.Indices(labelList, trainCounts, row.Distribution, splitSeed);
                    var loader = DataLoader.MultiView(new SubsetDataset(test, rows), views, new LoaderOptions
                    {
                        BatchSize = options.BatchSize, Shuffle = true, DropLast = false, Workers = workers,
                        Seed = SeedMixer.Mix(options.Seed, s),
                    });
                    using var aggregation = new TestTimeAggregation(model.NumExperts, lr, device: device);
                    var statistics = new ExpertViewStatistics(model.NumExperts, test.NumClasses);
                    var weights = aggregation.Fit(epoch => ViewPairs(compute, loader, epoch, device, epoch == 0 ? statistics : null), options.Epochs);
                    using var scope = torch.NewDisposeScope();
                    var index = torch.tensor(rows);
                    var splitLogits = logits.index_select(0, index);
                    var splitLabels = labels.index_select(0, index);
                    var split = new MetricsAccumulator(test.NumClasses);
                    split.Add(TestTimeAggregation.Aggregate(splitLogits, weights), splitLabels);
                    var experts = statistics.Summarise(ExpertTop1(splitLogits, splitLabels));
                    results.Add(row with { Aggregated = new AggregatedResult(weights, split.Compute(trainCounts, classNames: classNames), experts) });
                }
                return results;
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>Every expert's logits [N, E, C] (fp32, CPU) and the labels [N] of <paramref name="data"/>, in order.</summary>
    public static (Tensor Logits, Tensor Labels) PredictExperts(MultiExpertVisionTransformer model, IImageDataset data, IImageTransform transform,
        Device device, int batchSize, int workers)
    {
        var loader = new DataLoader(data, transform, new LoaderOptions { BatchSize = batchSize, Shuffle = false, DropLast = false, Workers = workers });
        var logits = new List<Tensor>();
        var labels = new List<Tensor>();
        using (torch.no_grad())
        {
            foreach (var batch in loader.Epoch(0))
            {
                using (batch)
                using (var scope = torch.NewDisposeScope())
                {
                    logits.Add(model.ForwardExperts(batch.Images.to(device)).to(ScalarType.Float32).cpu().MoveToOuterDisposeScope());
                    labels.Add(batch.Labels.clone().MoveToOuterDisposeScope());
                }
            }
        }
        try
        {
            return (torch.cat(logits, 0), torch.cat(labels, 0));
        }
        finally
        {
            foreach (var t in logits.Concat(labels)) t.Dispose();
        }
    }

    /// <summary>Top-1 % of each expert alone: logits [N, E, C], labels [N].</summary>
    private static double[] ExpertTop1(Tensor logits, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var correct = logits.argmax(2).eq(labels.unsqueeze(1)).to(ScalarType.Float64).mean([0L]);
        return correct.data<double>().Select(c => 100.0 * c).ToArray();
    }

    /// <summary>The experts' logits of each batch's two views; the first epoch's also go into
    /// <paramref name="statistics"/>, before any weight has moved.</summary>
    private static IEnumerable<(Tensor View1, Tensor View2)> ViewPairs(MultiExpertVisionTransformer model, DataLoader loader, int epoch, Device device,
        ExpertViewStatistics? statistics)
    {
        foreach (var batch in loader.Epoch(epoch))
        {
            Tensor view1, view2;
            using (batch)
            {
                view1 = Experts(model, batch.Images, 0, device);
                view2 = Experts(model, batch.Images, 1, device);
            }
            statistics?.Add(view1, view2);
            try
            {
                yield return (view1, view2);
            }
            finally
            {
                view1.Dispose();
                view2.Dispose();
            }
        }
    }

    /// <summary>The experts' logits of view <paramref name="view"/> of a multi-view batch [N, V, C, H, W].</summary>
    private static Tensor Experts(MultiExpertVisionTransformer model, Tensor views, int view, Device device)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return model.ForwardExperts(views.select(1, view).to(device)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}

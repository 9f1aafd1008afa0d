using Livt.Augmentation;
using Livt.Data;
using Livt.Losses.Contrastive;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

/// <summary>
/// Each method wired as docs/LOSSES.md tells a training stage to (views → model → loss → state), on real
/// Fashion-MNIST-LT images: a few steps on one batch lower the loss measured with the state frozen, and
/// the state evolves as documented.
/// </summary>
public class ContrastiveStepTests
{
    private const int PerClass = 2;
    private static readonly float[] Mean = { 0.2860f }, Std = { 0.3530f };

    public ContrastiveStepTests() => LivtRuntime.Initialize();

    private static readonly VitConfig Vit = new()
    {
        ImageSize = 28, InChans = 1, PatchSize = 7, EmbedDim = 32, Depth = 1, NumHeads = 2, NumClasses = 10,
    };

    // The LT training split is read once for the four tests: its class counts and two images per class.
    private static readonly Lazy<(IImageDataset Train, long[] Counts, int[] Picked)> Data = new(() =>
    {
        var train = DatasetCatalog.Load(new DatasetOptions { DataDir = DataFixtures.FashionMnistDir, AllowDownload = false }).Train;
        var counts = new long[train.NumClasses];
        var picked = new List<int>();
        for (int i = 0; i < train.Count; i++)
        {
            int y = train.GetLabel(i);
            if (counts[y]++ < PerClass) picked.Add(i);
        }
        return (train, counts, picked.ToArray());
    });

    /// <summary>Two images of each class from the LT training split, their views, labels and class counts.</summary>
    private static (Tensor[] Views, Tensor Labels, long[] Counts) Batch(MultiViewTransform pipeline)
    {
        var (train, counts, picked) = Data.Value;
        var rng = new Random(5);
        var views = Enumerable.Range(0, pipeline.Count).Select(_ => new List<float>()).ToArray();
        foreach (int i in picked)
        {
            var images = pipeline.Apply(train.GetImage(i), rng);
            for (int v = 0; v < images.Length; v++) views[v].AddRange(images[v].Pixels);
        }
        var tensors = views.Select(v => torch.tensor(v.ToArray()).view(picked.Length, 1, 28, 28)).ToArray();
        return (tensors, torch.tensor(picked.Select(i => (long)train.GetLabel(i)).ToArray()), counts);
    }

    /// <summary>[V·N, P] view-major projections → [N, V, P].</summary>
    private static Tensor Views(Tensor projection, int v) => projection.view(v, -1, projection.shape[1]).transpose(0, 1);

    private const int Steps = 4;

    private static double TrainAndCompare(nn.Module model, Func<bool, Tensor> step)
    {
        torch.manual_seed(0);
        double before, after;
        using (torch.no_grad()) using (var l = step(false)) before = l.item<float>();
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: 2e-3, weight_decay: 0);
        for (int i = 0; i < Steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = step(true);
            Assert.True(float.IsFinite(loss.item<float>()));
            loss.backward();
            optimizer.step();
        }
        using (torch.no_grad()) using (var l = step(false)) after = l.item<float>();
        Assert.True(after < before, $"the loss on the batch went from {before} to {after}");
        return after;
    }

    [Fact]
    public void Gpaco()
    {
        torch.manual_seed(1);
        var (views, labels, counts) = Batch(ContrastivePipelines.Gpaco(28, Mean, Std));
        using var model = new ContrastiveVisionTransformer(Vit, ProjectionHeadConfig.Gpaco(32, 16));
        using var queue = new LabeledFeatureQueue(64, 16);
        var loss = new GpacoLoss(counts);
        var x = torch.cat(views);
        var frozenKeys = (Tensor?)null;
        var frozenLabels = (Tensor?)null;
        TrainAndCompare(model, train =>
        {
            using var outputs = model.Encode(x);
            var v = Views(outputs.Projection, 2);
            // Measured with the state the run started from; trained with the live queue.
            var total = train
                ? loss.ForwardViews(v, labels, outputs.Logits, queue.Keys, queue.Labels).Total
                : loss.ForwardViews(v, labels, outputs.Logits, frozenKeys, frozenLabels).Total;
            if (train) queue.Enqueue(v.select(1, 1), labels);
            return total.MoveToOuterDisposeScope();
        });
        Assert.Equal(Math.Min(64, Steps * labels.shape[0]), queue.Count);
    }

    [Fact]
    public void Bcl()
    {
        torch.manual_seed(2);
        var (views, labels, counts) = Batch(ContrastivePipelines.Bcl(28, Mean, Std));
        using var model = new ContrastiveVisionTransformer(Vit, ProjectionHeadConfig.Bcl(32, 24), ProjectionHeadConfig.Bcl(32, 24), cosineScale: 30);
        var loss = new BclLoss(counts);
        var x = torch.cat(views);
        int n = (int)labels.shape[0];
        TrainAndCompare(model, _ =>
        {
            using var outputs = model.Encode(x);
            var contrast = Views(outputs.Projection[n..], 2);
            return loss.Forward(outputs.Logits[..n], contrast, model.ClassCenters(), labels).Total.MoveToOuterDisposeScope();
        });
    }

    [Fact]
    public void ResCom()
    {
        torch.manual_seed(3);
        var (views, labels, counts) = Batch(ContrastivePipelines.ResCom(28, Mean, Std));
        using var model = new ContrastiveVisionTransformer(Vit, ProjectionHeadConfig.ResCom(32, 16));
        using var queue = new ClassBalancedQueue(10, 3, 16, seed: 1);
        var frozen = queue.Keys;
        var loss = new ResComLoss(counts, new ResComOptions { QueuePerClass = 3, HardPositives = 2, HardNegatives = 8 });
        var x = torch.cat(views);
        TrainAndCompare(model, train =>
        {
            using var outputs = model.Encode(x);
            var v = Views(outputs.Projection, 2);
            var total = loss.Forward(v, labels, outputs.Logits, train ? queue.Keys : frozen).Total;
            if (train) queue.Enqueue(v.select(1, 0), labels);
            return total.MoveToOuterDisposeScope();
        });
        Assert.All(queue.Pointers, p => Assert.Equal(Steps * PerClass % 3, p));
    }

    [Fact]
    public void Tsc()
    {
        torch.manual_seed(4);
        var (views, labels, _) = Batch(ContrastivePipelines.Tsc(28, Mean, Std));
        using var model = new ContrastiveVisionTransformer(Vit, ProjectionHeadConfig.Tsc(32, 16));
        using var key = new ContrastiveVisionTransformer(Vit, ProjectionHeadConfig.Tsc(32, 16));
        key.eval();
        var momentum = new MomentumEncoder(model, key, 0.99);
        var options = new TscOptions { NumPositives = 2 };
        var loss = new TscLoss(10, options);
        using var targets = HypersphereTargets.Generate(10, 16, seed: 7, iterations: 60, learningRate: 0.05);
        using var assignment = new TargetAssignment(10, 16, seed: 8);
        using var queue = new LabeledFeatureQueue(40, 16);
        using var sampling = new Generator(9);
        var frozenPositives = torch.zeros(new long[] { labels.shape[0], 0 });
        TrainAndCompare(model, train =>
        {
            var q = model.Project(model.Vit.ForwardFeatures(views[0]));
            Tensor k;
            if (train) momentum.Update();
            using (torch.no_grad()) k = key.Project(key.Vit.ForwardFeatures(views[1]));
            if (train) assignment.Update(q, labels);
            var targetOfClass = assignment.Assign(targets);
            var keys = train ? queue.Keys : torch.zeros(0, 16);
            var positives = train ? KclPositives.Sample(KclPositives.Candidates(labels, queue.Labels), options.NumPositives, sampling) : frozenPositives;
            var total = loss.Forward(q, k, labels, keys, positives, targets, targetOfClass).Total;
            if (train) queue.Enqueue(k, labels);
            return total.MoveToOuterDisposeScope();
        });
        Assert.Equal(40, queue.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), assignment.Assign(targets).data<long>().ToArray().Order());
    }
}

using Livt.Losses.Contrastive;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Livt.Tests.Losses;

/// <summary>The training state of the contrastive methods: queues, targets, centroids and assignment.</summary>
public class ContrastiveStateTests
{
    public ContrastiveStateTests() => LivtRuntime.Initialize();

    private static Tensor Rows(int count, float start) =>
        (torch.arange(count, dtype: ScalarType.Float32).unsqueeze(1) + start).expand(count, 3).contiguous();

    [Fact]
    public void FifoQueueReplacesTheOldestKeysAndWrapsAround()
    {
        using var scope = torch.NewDisposeScope();
        using var queue = new LabeledFeatureQueue(capacity: 5, dim: 3);
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.Keys.shape[0]);

        queue.Enqueue(Rows(3, 0), torch.tensor(new long[] { 0, 1, 2 }));
        Assert.Equal(3, queue.Count);
        TensorAssert.Close(Rows(3, 0), queue.Keys, 0, "first batch");

        queue.Enqueue(Rows(4, 10), torch.tensor(new long[] { 3, 4, 0, 1 }));
        Assert.Equal((5, 2), (queue.Count, queue.Pointer));
        Assert.Equal(new float[] { 12, 13, 2, 10, 11 }, queue.Keys.select(1, 0).data<float>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, queue.Labels.data<long>().ToArray());

        // A batch larger than the queue keeps its last rows.
        queue.Enqueue(Rows(7, 20), torch.arange(7L).remainder(5));
        Assert.Equal(new float[] { 25, 26, 22, 23, 24 }, queue.Keys.select(1, 0).data<float>().ToArray());

        // Keys are copies: changing them leaves the queue alone.
        queue.Keys.zero_();
        Assert.Equal(25, queue.Keys[0, 0].item<float>());
    }

    [Fact]
    public void FifoQueueGathersOverRanksAndRoundTripsThroughItsState()
    {
        using var scope = torch.NewDisposeScope();
        using var queue = new LabeledFeatureQueue(capacity: 6, dim: 3);
        // Two ranks: this rank's rows followed by the other's.
        queue.Enqueue(Rows(2, 0), torch.tensor(new long[] { 1, 2 }), t => torch.cat(new[] { t, t + 5 }));
        Assert.Equal(4, queue.Count);
        Assert.Equal(new float[] { 0, 1, 5, 6 }, queue.Keys.select(1, 0).data<float>().ToArray());
        Assert.Equal(new long[] { 1, 2, 6, 7 }, queue.Labels.data<long>().ToArray());

        using var copy = new LabeledFeatureQueue(capacity: 6, dim: 3);
        copy.Load(queue.State());
        Assert.Equal((queue.Count, queue.Pointer), (copy.Count, copy.Pointer));
        TensorAssert.Close(queue.Keys, copy.Keys, 0, "keys");
        Assert.Equal(queue.Labels.data<long>().ToArray(), copy.Labels.data<long>().ToArray());

        using var other = new LabeledFeatureQueue(capacity: 4, dim: 3);
        Assert.Contains("queue.keys", Assert.Throws<LivtException>(() => other.Load(queue.State())).Message);
    }

    [Fact]
    public void ClassBalancedQueueKeepsTheLastKeysOfEachClass()
    {
        using var scope = torch.NewDisposeScope();
        using var queue = new ClassBalancedQueue(numClasses: 3, perClass: 2, dim: 3, seed: 4);
        TensorAssert.Close(torch.ones(6), queue.Keys.norm(1), 1e-6, "random unit start");
        Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2 }, queue.Labels.data<long>().ToArray());
        var before = queue.Keys;

        // Three keys of class 1 in one batch: the ring writes slot 2, 3, then 2 again.
        queue.Enqueue(Rows(3, 1), torch.tensor(new long[] { 1, 1, 1 }));
        var keys = queue.Keys;
        Assert.Equal(new float[] { 3, 2 }, keys[2..4].select(1, 0).data<float>().ToArray());
        TensorAssert.Close(before[..2], keys[..2], 0, "class 0 untouched");
        TensorAssert.Close(before[4..], keys[4..], 0, "class 2 untouched");
        Assert.Equal(new long[] { 0, 1, 0 }, queue.Pointers.ToArray());

        using var copy = new ClassBalancedQueue(3, 2, 3, seed: 9);
        copy.Load(queue.State());
        TensorAssert.Close(queue.Keys, copy.Keys, 0, "restored keys");
        Assert.Equal(queue.Pointers.ToArray(), copy.Pointers.ToArray());
        Assert.Throws<ArgumentException>(() => queue.Enqueue(Rows(1, 0), torch.tensor(new long[] { 3 })));
    }

    [Fact]
    public void HungarianMatchesBruteForce()
    {
        var rng = new Random(17);
        for (int n = 1; n <= 6; n++)
            for (int trial = 0; trial < 20; trial++)
            {
                var score = new double[n, n];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) score[i, j] = rng.NextDouble() * 2 - 1;
                var p = LinearAssignment.Maximize(score);
                Assert.Equal(Enumerable.Range(0, n), p.Order());
                double best = Permutations(n).Max(q => Enumerable.Range(0, n).Sum(i => score[i, q[i]]));
                Assert.Equal(best, Enumerable.Range(0, n).Sum(i => score[i, p[i]]), 12);
            }
        Assert.Throws<ArgumentException>(() => LinearAssignment.Maximize(new double[2, 3]));
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0) { yield return Array.Empty<int>(); yield break; }
        foreach (var rest in Permutations(n - 1))
            for (int at = 0; at <= rest.Length; at++)
                yield return rest.Take(at).Append(n - 1).Concat(rest.Skip(at)).ToArray();
    }

    [Fact]
    public void AssignmentFollowsTheCentroidsAndLeavesAbsentClassesAlone()
    {
        using var scope = torch.NewDisposeScope();
        var targets = HypersphereTargets.Generate(5, 8, seed: 2, iterations: 200);
        using var assignment = new TargetAssignment(5, 8, seed: 6);
        var permutation = new long[] { 3, 0, 4, 1, 2 };
        assignment.Load(targets.index_select(0, torch.tensor(permutation)));
        Assert.Equal(permutation, assignment.Assign(targets).data<long>().ToArray());

        var before = assignment.Centroids.clone();
        var features = F.normalize(torch.randn(4, 8), dim: 1);
        assignment.Update(features, torch.tensor(new long[] { 0, 0, 2, 2 }));
        var after = assignment.Centroids;
        foreach (int absent in new[] { 1, 3, 4 }) TensorAssert.Close(before[absent], after[absent], 0, $"class {absent}");
        var expected = F.normalize(0.9 * before[0] + 0.1 * F.normalize(features[..2].mean(new long[] { 0 }), dim: 0), dim: 0);
        TensorAssert.Close(expected, after[0], 1e-6, "class 0 moved by the EMA");
    }

    [Fact]
    public void TargetsApproachARegularSimplexAndAreReproducible()
    {
        using var scope = torch.NewDisposeScope();
        // A larger step than the official 1e-3 × 10 000 keeps the test short; the optimum is the same.
        var targets = HypersphereTargets.Generate(6, 16, seed: 1, iterations: 300, learningRate: 0.05);
        TensorAssert.Close(torch.ones(6), targets.norm(1), 1e-5, "unit targets");
        var cos = targets.matmul(targets.t());
        var offDiagonal = cos.masked_select(torch.eye(6).logical_not());
        // The optimum for 6 points in 16 dimensions: every pairwise cosine −1/5 (Adam's constant step
        // leaves the iterates within about its size of it).
        Assert.InRange(offDiagonal.max().item<float>(), -0.2f - 0.03f, -0.2f + 0.03f);
        Assert.InRange(offDiagonal.min().item<float>(), -0.2f - 0.03f, -0.2f + 0.03f);
        TensorAssert.Close(targets, HypersphereTargets.Generate(6, 16, seed: 1, iterations: 300, learningRate: 0.05), 0, "same seed, same targets");
    }
}

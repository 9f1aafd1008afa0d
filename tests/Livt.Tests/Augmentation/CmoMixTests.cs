using Livt.Augmentation;
using Livt.Runtime;
using static TorchSharp.torch;

namespace Livt.Tests.Augmentation;

/// <summary>CMO's batch operation as the official train loop does it.</summary>
public class CmoMixTests
{
    public CmoMixTests() => LivtRuntime.Initialize();

    private const int N = 4, H = 16, W = 12, Classes = 6;

    /// <summary>Background sample i is filled with i + 1, foreground sample i with −(i + 1).</summary>
    private static Tensor Filled(int n, float sign) =>
        ((arange(n, dtype: float32) + 1) * sign).view(n, 1, 1, 1).expand(n, 3, H, W).contiguous();

    private static readonly long[] BackgroundLabels = { 0, 0, 1, 0 };
    private static readonly long[] ForegroundLabels = { 5, 4, 5, 3, 2 };

    [Fact]
    public void PatchComesFromTheMinorityBatchAndTargetsFollowTheArea()
    {
        var cmo = new CmoMix(Classes, totalEpochs: 10, probability: 1.0);
        int boxes = 0;
        for (int seed = 0; seed < 30; seed++)
        {
            using var scope = NewDisposeScope();
            var fg = Filled(N + 1, -1); // a longer foreground batch: its first N are used
            var (images, targets, lambda) = cmo.Apply(Filled(N, 1), tensor(BackgroundLabels), fg, tensor(ForegroundLabels), epoch: 5, new Random(seed));
            var pixels = images.data<float>().ToArray();
            int plane = H * W;
            var pasted = new bool[plane];
            for (int i = 0; i < N; i++)
                for (int k = 0; k < 3 * plane; k++)
                {
                    float v = pixels[(i * 3 * plane) + k];
                    Assert.True(v == i + 1 || v == -(i + 1), $"sample {i} pixel {k} = {v}: from neither its background nor its foreground");
                    if (v < 0) pasted[k % plane] = true;
                    Assert.Equal(pasted[k % plane], v < 0); // the same box in every sample and channel
                }
            int area = pasted.Count(p => p);
            Assert.Equal(1.0 - (double)area / plane, lambda, 12);
            if (area > 0)
            {
                boxes++;
                var rows = Enumerable.Range(0, H).Where(y => Enumerable.Range(0, W).Any(x => pasted[y * W + x])).ToArray();
                var cols = Enumerable.Range(0, W).Where(x => Enumerable.Range(0, H).Any(y => pasted[y * W + x])).ToArray();
                Assert.Equal(area, rows.Length * cols.Length); // a rectangle
            }
            var t = targets.data<float>().ToArray();
            for (int i = 0; i < N; i++)
            {
                var expected = new double[Classes];
                expected[BackgroundLabels[i]] += lambda;
                expected[ForegroundLabels[i]] += 1 - lambda;
                for (int c = 0; c < Classes; c++) Assert.Equal(expected[c], t[i * Classes + c], 5);
            }
        }
        Assert.True(boxes > 20, $"only {boxes} of 30 batches got a patch");
    }

    [Fact]
    public void EpochWindowIsStrictOnBothSides()
    {
        var cmo = new CmoMix(Classes, totalEpochs: 10); // official start 3, end 3: epochs 4, 5, 6
        Assert.Equal(new[] { 4, 5, 6 }, Enumerable.Range(0, 10).Where(cmo.ActiveAt));
        var always = new CmoMix(Classes, totalEpochs: 10, probability: 1.0);
        foreach (int epoch in new[] { 3, 7 })
        {
            using var scope = NewDisposeScope();
            var bg = Filled(N, 1);
            var (images, targets, lambda) = always.Apply(bg, tensor(BackgroundLabels), Filled(N, -1), tensor(ForegroundLabels.Take(N).ToArray()), epoch, new Random(1));
            Assert.Equal(1.0, lambda);
            Assert.True(images.ge(0).all().item<bool>());
            Assert.Equal(1f, targets[0, 0].item<float>());
        }
    }

    [Fact]
    public void ProbabilityIsTheShareOfMixedBatches()
    {
        var cmo = new CmoMix(Classes, totalEpochs: 10, probability: 0.5);
        var rng = new Random(7);
        int mixed = 0;
        for (int b = 0; b < 400; b++)
        {
            using var scope = NewDisposeScope();
            var (_, _, lambda) = cmo.Apply(Filled(N, 1), tensor(BackgroundLabels), Filled(N, -1), tensor(ForegroundLabels.Take(N).ToArray()), 5, rng);
            if (lambda < 1) mixed++;
        }
        Assert.InRange(mixed, 160, 230); // 0.5 minus the rare empty boxes, ±3.5σ
        Assert.Equal(0, Enumerable.Range(0, 50).Count(_ =>
        {
            using var scope = NewDisposeScope();
            return new CmoMix(Classes, 10, probability: 0).Apply(Filled(N, 1), tensor(BackgroundLabels), Filled(N, -1), tensor(ForegroundLabels.Take(N).ToArray()), 5, rng).Lambda < 1;
        }));
    }

    [Fact]
    public void ShortForegroundBatchIsRejected()
    {
        using var scope = NewDisposeScope();
        var cmo = new CmoMix(Classes, totalEpochs: 10);
        Assert.Throws<ArgumentException>(() => cmo.Apply(Filled(N, 1), tensor(BackgroundLabels), Filled(N - 1, -1), tensor(new long[] { 1, 2, 3 }), 5, new Random(0)));
    }
}

using Livt.Augmentation;
using Livt.Runtime;
using static TorchSharp.torch;

namespace Livt.Tests.Augmentation;

public class MixupCutmixTests
{
    public MixupCutmixTests() => LivtRuntime.Initialize();

    private const int N = 4, H = 16, W = 12, Classes = 6;

    /// <summary>Sample i is filled with the value i + 1, so the source of every pixel is known.</summary>
    private static Tensor Batch() => (arange(N, dtype: float32) + 1).view(N, 1, 1, 1).expand(N, 3, H, W).contiguous();

    private static Tensor Labels() => tensor(new long[] { 0, 3, 5, 2 });

    [Fact]
    public void SmoothedOneHotHasOffAndOnValues()
    {
        using var t = SoftTargets.OneHot(tensor(new long[] { 2, 0 }), 10, 0.1);
        var v = t.data<float>().ToArray();
        Assert.Equal(new long[] { 2, 10 }, t.shape);
        Assert.Equal(0.91f, v[2], 6);
        Assert.Equal(0.91f, v[10], 6);
        Assert.Equal(0.01f, v[0], 6);
        Assert.Equal(0.01f, v[19], 6);
        Assert.Equal(2f, v.Sum(), 5);
    }

    [Fact]
    public void CutmixLambdaIsTheUncoveredFractionAndTargetsFollowIt()
    {
        int boxes = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            using var scope = NewDisposeScope();
            var mixer = new MixupCutmix(0, 1.0, 0.5, 1.0, 0.0, Classes, seed);
            var (images, targets, lambda) = mixer.Apply(Batch(), Labels());
            var x = images.data<float>().ToArray();
            var y = targets.data<float>().ToArray();
            for (int i = 0; i < N; i++)
            {
                int own = 0, flipped = 0;
                for (int p = 0; p < 3 * H * W; p++)
                {
                    float v = x[i * 3 * H * W + p];
                    if (v == i + 1) own++;
                    else if (v == N - i) flipped++;
                    else Assert.Fail($"pixel {p} of sample {i} is {v}: cutmix must copy, not blend");
                }
                if (i is 0) boxes += flipped > 0 ? 1 : 0;
                Assert.Equal(1 - lambda, (double)flipped / (3 * H * W), 9);
                var row = y.Skip(i * Classes).Take(Classes).ToArray();
                Assert.Equal(1f, row.Sum(), 5);
                long a = new long[] { 0, 3, 5, 2 }[i], b = new long[] { 0, 3, 5, 2 }[N - 1 - i];
                Assert.Equal(lambda, row[a], 5);
                Assert.Equal(1 - lambda, row[b], 5);
            }
        }
        Assert.True(boxes > 30, $"only {boxes} of 40 batches got a cutmix box");
    }

    [Fact]
    public void MixupBlendsWithTheFlippedBatchAndSmoothsTargets()
    {
        using var scope = NewDisposeScope();
        var mixer = new MixupCutmix(0.8, 0, 0.5, 1.0, 0.1, Classes, 3);
        var (images, targets, lambda) = mixer.Apply(Batch(), Labels());
        Assert.InRange(lambda, 0.0, 0.999999);
        var x = images.data<float>().ToArray();
        for (int i = 0; i < N; i++)
            Assert.Equal(lambda * (i + 1) + (1 - lambda) * (N - i), x[i * 3 * H * W + 17], 4);
        var y = targets.data<float>().ToArray();
        double off = 0.1 / Classes, on = 0.9 + off;
        Assert.Equal(lambda * on + (1 - lambda) * off, y[0 * Classes + 0], 5); // sample 0: own label 0, partner label 2
        Assert.Equal(lambda * off + (1 - lambda) * on, y[0 * Classes + 2], 5);
        Assert.Equal(off, y[0 * Classes + 1], 5);
        for (int i = 0; i < N; i++) Assert.Equal(1f, y.Skip(i * Classes).Take(Classes).Sum(), 5);
    }

    [Fact]
    public void SwitchProbabilityChoosesBetweenCutmixAndMixup()
    {
        var mixer = new MixupCutmix(0.8, 1.0, 0.5, 1.0, 0.1, Classes, 9);
        int cut = 0;
        for (int i = 0; i < 200; i++)
        {
            using var scope = NewDisposeScope();
            var (images, _, _) = mixer.Apply(Batch(), Labels());
            var x = images.data<float>().ToArray();
            if (x.All(v => v == MathF.Round(v))) cut++; // cutmix copies whole values; mixup blends
        }
        Assert.InRange(cut, 70, 130);
    }

    [Fact]
    public void DisabledOnlySmoothsAndMixProbabilityZeroLeavesBatchAlone()
    {
        using var scope = NewDisposeScope();
        foreach (var mixer in new[] { new MixupCutmix(0, 0, 0.5, 1.0, 0.1, Classes, 1), new MixupCutmix(0.8, 1.0, 0.5, 0.0, 0.1, Classes, 1) })
        {
            var before = Batch();
            var (images, targets, lambda) = mixer.Apply(before.clone(), Labels());
            Assert.Equal(1.0, lambda);
            Assert.Equal(before.data<float>().ToArray(), images.data<float>().ToArray());
            Assert.True(targets.allclose(SoftTargets.OneHot(Labels(), Classes, 0.1)));
        }
        Assert.False(new MixupCutmix(0, 0, 0.5, 1.0, 0.1, Classes, 1).Enabled);
        Assert.True(new MixupCutmix(0.8, 0, 0.5, 1.0, 0.1, Classes, 1).Enabled);
    }

    [Theory]
    [InlineData(0.8, 0.8)]
    [InlineData(1.0, 1.0)]
    [InlineData(2.0, 5.0)]
    public void BetaSamplerHasTheRightMoments(double a, double b)
    {
        var rng = new Random(17);
        var draws = Enumerable.Range(0, 20000).Select(_ => rng.NextBeta(a, b)).ToArray();
        double mean = draws.Average(), variance = draws.Average(v => (v - mean) * (v - mean));
        Assert.All(draws, v => Assert.InRange(v, 0.0, 1.0));
        Assert.Equal(a / (a + b), mean, 2);
        Assert.InRange(variance, 0.9 * a * b / ((a + b) * (a + b) * (a + b + 1)), 1.1 * a * b / ((a + b) * (a + b) * (a + b + 1)));
    }
}

using Livt.Evaluation;
using Livt.Interop;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

public class TestTimeAggregationTests
{
    public TestTimeAggregationTests() => LivtRuntime.Initialize();

    [Fact]
    public void StepsMatchSadesTestTraining()
    {
        using var f = SafeTensors.Read(TensorAssert.Fixture("experts", "sade.safetensors"));
        using var agg = new TestTimeAggregation(lr: 0.1);
        Assert.Equal(new[] { 1.0 / 3, 1.0 / 3, 1.0 / 3 }, agg.Weights, new Close(1e-7));
        var raw = f.Tensors["agg.raw_weights"];
        var similarity = f.Tensors["agg.similarity"].data<double>().ToArray();
        for (int i = 0; i < raw.shape[0]; i++)
        {
            using var scope = torch.NewDisposeScope();
            double s = agg.Step(f.Tensors[$"agg.view1.{i}"].to(ScalarType.Float32), f.Tensors[$"agg.view2.{i}"].to(ScalarType.Float32));
            Assert.Equal(similarity[i], s, 6);
            Assert.Equal(raw[i].data<double>().ToArray(), agg.RawWeights, new Close(1e-6));
        }
    }

    /// <summary>
    /// Three ideal experts of Gaussian classes under a long-tailed training prior π: the log-likelihood plus
    /// log π (forward), plus nothing (uniform), minus log π (backward). Two views are two noisy copies of
    /// each unlabeled test point. Prediction stability must favour the expert whose prior matches the test
    /// labels' (PyTorch running SADE's loop on such a toy gave 0.69 forward on forward50, 0.67 backward on
    /// backward50).
    /// </summary>
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 2)]
    public void WeightsMoveToTheExpertOfTheTestDistribution(bool backward, int favoured)
    {
        using var scope = torch.NewDisposeScope();
        const int c = 10, d = 16, perClass = 1000;
        var gen = new Generator(11);
        var means = torch.randn(c, d, generator: gen);
        var train = Enumerable.Range(0, c).Select(k => Math.Floor(6000 * Math.Pow(0.01, k / 9.0))).ToArray();
        var logPrior = torch.tensor(train.Select(n => Math.Log(n / train.Sum())).ToArray(), dtype: ScalarType.Float32);
        var offsets = torch.stack(new[] { logPrior, torch.zeros(c), -logPrior }).unsqueeze(0); // [1, 3, C]
        var counts = TestDistribution.Parse(backward ? "backward50" : "forward50").Counts(train.Select(n => (long)n).ToArray(), perClass);
        var labels = torch.tensor(counts.SelectMany((n, k) => Enumerable.Repeat((long)k, n)).ToArray());
        var points = means.index_select(0, labels) + torch.randn(labels.shape[0], d, generator: gen);

        Tensor Experts(Tensor x)
        {
            var logLikelihood = -(x.unsqueeze(1) - means.unsqueeze(0)).pow(2).sum(2) / 2; // [N, C]
            return logLikelihood.unsqueeze(1) + offsets;
        }
        IEnumerable<(Tensor, Tensor)> Epoch(int epoch)
        {
            var order = torch.randperm(points.shape[0], generator: gen);
            for (long i = 0; i < order.shape[0]; i += 128)
            {
                var x = points.index_select(0, order.narrow(0, i, Math.Min(128, order.shape[0] - i)));
                yield return (Experts(x + 0.5 * torch.randn(x.shape, generator: gen)), Experts(x + 0.5 * torch.randn(x.shape, generator: gen)));
            }
        }

        using var agg = new TestTimeAggregation(lr: 0.1);
        var w = agg.Fit(Epoch);
        Assert.Equal(favoured, Array.IndexOf(w, w.Max()));
        Assert.True(w[favoured] > 0.5, $"weights {string.Join(", ", w.Select(v => v.ToString("F3")))}");
    }

    [Fact]
    public void AggregateIsTheWeightedSumOfExperts()
    {
        using var scope = torch.NewDisposeScope();
        var z = torch.arange(2 * 3 * 2, dtype: ScalarType.Float32).view(2, 3, 2);
        var a = TestTimeAggregation.Aggregate(z, new[] { 0.5, 0.25, 0.25 });
        // sample 0: experts (0, 1), (2, 3), (4, 5) → (0 + 0.5 + 1, 0.5 + 0.75 + 1.25).
        Assert.Equal(new[] { 1.5f, 2.5f }, a[0].data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => TestTimeAggregation.Aggregate(z, new[] { 0.5, 0.5 }));
    }

    private sealed class Close(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double x) => 0;
    }
}

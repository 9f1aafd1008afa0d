using Livt.Losses;
using Livt.Methods;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

/// <summary>IIF's multipliers against the official formulas (kostas1515/iif, classification/custom.py).</summary>
public class IifTests
{
    public IifTests() => LivtRuntime.Initialize();

    private static readonly long[] Counts = { 500, 200, 80, 20, 5 }; // N = 805

    [Fact]
    public void WeightsEqualTheOfficialFormulasOnAKnownCountVector()
    {
        const double n = 805;
        double[] Each(Func<double, double> f) => Counts.Select(c => f(c)).ToArray();
        Close(Each(c => Math.Log(n / c)), InverseImageFrequency.Weights(Counts, "raw"));
        Close(Each(c => Math.Log((n + 1) / (c + 1)) + 1), InverseImageFrequency.Weights(Counts, "smooth"));
        Close(Each(c => Math.Log((n - c) / c)), InverseImageFrequency.Weights(Counts, "rel"));
        Close(Each(c => -Math.Log(-Math.Log(1 - c / n))), InverseImageFrequency.Weights(Counts, "gombit"));
        Close(Each(c => Math.Log(n / c) / Math.Log(2)), InverseImageFrequency.Weights(Counts, "base2"));
        Close(Each(c => Math.Log(n / c) / Math.Log(10)), InverseImageFrequency.Weights(Counts, "base10"));
        // normit = −Φ⁻¹(n_c/N): Φ⁻¹(0.5) = 0 and Φ⁻¹(0.975) = 1.959963984540054.
        Assert.Equal(0.0, InverseImageFrequency.Weights(new long[] { 1, 1 }, "normit")[0], 15);
        Assert.Equal(-1.959963984540054, InverseImageFrequency.Weights(new long[] { 39, 1 }, "normit")[0], 12);
        var l2 = InverseImageFrequency.Weights(Counts, "raw", norm: 2);
        Assert.Equal(1.0, Math.Sqrt(l2.Sum(v => v * v)), 12);
    }

    [Fact]
    public void WeightsMatchTheFixtureOfEveryVariant()
    {
        using var f = new LossFixture();
        foreach (var variant in InverseImageFrequency.Variants)
            Close(f.IifWeights(variant), InverseImageFrequency.Weights(f.Counts, variant));
    }

    [Fact]
    public void LossIsCrossEntropyOfTheScaledLogits()
    {
        using var scope = torch.NewDisposeScope();
        var z = torch.randn(4, 5, dtype: ScalarType.Float64, generator: new Generator(3));
        var y = torch.tensor(new long[] { 0, 4, 2, 3 });
        var w = torch.tensor(InverseImageFrequency.Weights(Counts, "smooth"));
        var expected = nn.functional.cross_entropy(z * w, y).item<double>();
        var loss = LossFactory.Create("iif", Counts, new LossOptions { IifVariant = "Smooth" });
        Assert.Equal(expected, loss.Forward(z, y).item<double>(), 12);
    }

    [Fact]
    public void UnknownVariantIsAUserError()
    {
        var e = Assert.Throws<LivtException>(() => LossFactory.Create("iif", Counts, new LossOptions { IifVariant = "log" }));
        Assert.Contains("'log'", e.Message);
        Assert.Contains("normit", e.Message);
        Assert.Throws<LivtException>(() => LossFactory.Create("iif", Counts, new LossOptions { IifNorm = -1 }));
    }

    private static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"entry {i}: {actual[i]:R} vs {expected[i]:R}");
    }
}

using Livt.Evaluation;
using Livt.Runtime;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

public sealed class LogitAdjustmentTests : IDisposable
{
    private readonly TempDir _dir = new();

    public LogitAdjustmentTests() => LivtRuntime.Initialize();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EqualPriorsLeaveLogitsUnchanged()
    {
        using var z = randn(4, 3, dtype: ScalarType.Float64);
        var prior = new[] { 0.7, 0.2, 0.1 };
        using var same = LogitAdjustment.Apply(z, prior, prior);
        Assert.True(same.allclose(z, rtol: 0, atol: 0));
        // Priors are normalised: counts and probabilities of the same distribution agree.
        using var scaled = LogitAdjustment.Apply(z, new[] { 70.0, 20, 10 }, prior);
        Assert.True(scaled.allclose(z, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void SkewedTrainingPriorMovesPredictionsToTheTail()
    {
        using var z = tensor(new float[] { 1.0f, 0.5f }, new long[] { 1, 2 });
        var train = new[] { 0.9, 0.1 };
        var uniform = new[] { 0.5, 0.5 };
        using var adjusted = LogitAdjustment.Apply(z, train, uniform);
        var a = adjusted.data<float>().ToArray();
        Assert.Equal(1.0 - Math.Log(0.9) + Math.Log(0.5), a[0], 5);
        Assert.Equal(0.5 - Math.Log(0.1) + Math.Log(0.5), a[1], 5);
        Assert.Equal(1, adjusted.argmax(1).item<long>());
        Assert.Equal(ScalarType.Float32, adjusted.dtype);

        using var half = LogitAdjustment.Apply(z, train, uniform, tau: 0.5);
        Assert.Equal(1.0 + 0.5 * (Math.Log(0.5) - Math.Log(0.9)), half.data<float>()[0], 5);
    }

    [Fact]
    public void PriorFromCountsNormalises() =>
        Assert.Equal(new[] { 0.75, 0.25 }, LogitAdjustment.PriorFromCounts(new long[] { 300, 100 }));

    [Fact]
    public void ParsesCountsOrProbabilities()
    {
        var path = Write("# test prior\n30\n\n10\n");
        Assert.Equal(new[] { 0.75, 0.25 }, LogitAdjustment.ParsePriorFile(path, 2));
    }

    [Theory]
    [InlineData("0.5\nabc\n0.2\n", ":2:")]
    [InlineData("0.5\n0.3\n0\n", ":3:")]
    [InlineData("0.5\n-1\n0.2\n", ":2:")]
    [InlineData("1\nNaN\n1\n", ":2:")]
    public void BadLineIsNamedByFileAndLine(string text, string where)
    {
        var path = Write(text);
        var e = Assert.Throws<LivtException>(() => LogitAdjustment.ParsePriorFile(path, 3));
        Assert.Contains(path + where, e.Message);
    }

    [Fact]
    public void WrongNumberOfValuesOrMissingFileNamesTheFile()
    {
        var path = Write("1\n2\n");
        var e = Assert.Throws<LivtException>(() => LogitAdjustment.ParsePriorFile(path, 3));
        Assert.Contains(path, e.Message);
        Assert.Contains("3 classes", e.Message);
        var missing = _dir.File("no-such-prior.txt");
        Assert.Contains(missing, Assert.Throws<LivtException>(() => LogitAdjustment.ParsePriorFile(missing, 3)).Message);
    }

    private string Write(string text) => _dir.Write($"prior-{Guid.NewGuid():N}.txt", text);
}

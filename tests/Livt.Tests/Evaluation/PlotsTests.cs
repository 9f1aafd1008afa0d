using Livt.Evaluation;
using Livt.Runtime;
using SkiaSharp;

namespace Livt.Tests.Evaluation;

public sealed class PlotsTests : IDisposable
{
    private const int Width = 480;
    private const int Height = 320;

    private readonly TempDir _dir = new();

    public PlotsTests() => LivtRuntime.Initialize();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Kinds() => new() { "per_class", "reliability", "confusion", "curves", "histogram" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void WritesADecodablePngOfTheRequestedSize(string kind)
    {
        var r = EvaluationFixtures.Result();
        var path = _dir.File($"plots/{kind}.png");
        var written = kind switch
        {
            "per_class" => Plots.PerClassAccuracy(r, path, Width, Height),
            "reliability" => Plots.Reliability(r, path, Width, Height),
            "confusion" => Plots.Confusion(r, path, Width, Height),
            "curves" => Plots.TrainingCurves(new[]
            {
                new CurvePoint("mgp", 0.5, 1.2, 1e-4, null), new CurvePoint("mgp", 1, 0.9, 1.5e-4, null),
                new CurvePoint("bft", 0.5, 2.3, 1e-3, null), new CurvePoint("bft", 1, 1.7, 8e-4, 41.5),
                new CurvePoint("bft", 2, 1.2, 2e-4, 55.6),
            }, path, Width, Height),
            "histogram" => Plots.ClassHistogram(r.ClassCounts, r.ClassNames, path, Width, Height),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        Assert.Equal(path, written);
        Assert.True(new FileInfo(path).Length > 1000);
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(Width, bitmap.Width);
        Assert.Equal(Height, bitmap.Height);
        Assert.True(Colours(bitmap) > 2, "the image is blank");
    }

    private static int Colours(SKBitmap bitmap)
    {
        var seen = new HashSet<uint>();
        for (var y = 0; y < bitmap.Height; y += 4)
            for (var x = 0; x < bitmap.Width; x += 4)
                seen.Add((uint)bitmap.GetPixel(x, y));
        return seen.Count;
    }
}

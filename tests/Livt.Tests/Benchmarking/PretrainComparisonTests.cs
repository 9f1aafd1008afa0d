using Livt.Benchmarking;
using Livt.Models;

namespace Livt.Tests.Benchmarking;

/// <summary><c>livt bench pretrain --method a,b</c>: each method's own step and views, a method's own setting given
/// only to the methods that read it, every method timed.</summary>
public class PretrainComparisonTests
{
    [Fact]
    public void TimesEachMethodsStepSideBySideWithItsOwnSettings()
    {
        var result = PretrainComparison.Run(new BenchOptions
        {
            Mode = "pretrain", Method = "mae, dcl", Model = ModelPresets.QuickStart, BatchSize = 4, Steps = 2, Warmup = 0, BlockSteps = 1,
            Threads = 2, Precision = "fp32",
            // DCL's head width and the run's own mask ratio: the first only DCL reads, the second every method gets.
            Settings = new Dictionary<string, string> { ["ssl_hidden_dim"] = "16", ["mask_ratio"] = "0.5" },
        });
        Assert.Equal(["mae", "dcl"], result.Methods.Select(m => m.Method));
        Assert.Equal([1, 2], result.Methods.Select(m => m.Views));
        Assert.All(result.Methods, m => Assert.True(m.ImagesPerSecond > 0 && m.ImagesPerSecondMin <= m.ImagesPerSecond && m.ImagesPerSecond <= m.ImagesPerSecondMax));
        Assert.Equal(1, result.Methods[0].RelativeToFirst);
        Assert.Throws<LivtException>(() => PretrainComparison.Run(new BenchOptions { Mode = "pretrain", Method = "mae" }));
    }
}

using Livt.Benchmarking;
using Livt.Tests.Training;

namespace Livt.Tests.Benchmarking;

public class SoakRunTests
{
    [Fact]
    public void SamplesResidentMemoryAndStopsAtTheStepCount()
    {
        var overrides = TinyRuns.Overrides(TinyRuns.TempDir(), epochs: 1, steps: 3);
        overrides.Remove("out");
        overrides.Remove("epochs");
        var result = SoakRun.Run(new SoakOptions { Steps = 8, Every = 2, GcStress = true, Overrides = overrides }, _ => { });
        Assert.Equal(8, result.Steps);
        Assert.Equal([2L, 4, 6, 8], result.Samples.Select(s => s.Step));
        Assert.All(result.Samples, s => Assert.True(s.ResidentMb > 10, $"{s.ResidentMb} MiB"));
        Assert.Equal(result.Samples[3].ResidentMb - result.Samples[1].ResidentMb, result.LastHalfGrowthMb);
    }
}

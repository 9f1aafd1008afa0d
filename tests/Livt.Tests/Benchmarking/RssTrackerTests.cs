using Livt.Benchmarking;

namespace Livt.Tests.Benchmarking;

public class RssTrackerTests
{
    [Fact]
    public void ACacheThatLevelsOffIsNotGrowthButALeakIs()
    {
        // 100 steps: a ramp of 200 MiB over the first 30, then flat at 1200 MiB.
        var cache = new RssTracker();
        for (int i = 0; i < 100; i++) cache.Add(1000 + Math.Min(i, 30) * 200.0 / 30);
        Assert.Equal(0, cache.GrowthMbPer100Steps, 9);
        Assert.Equal(0, cache.GrowthPercentOfPeak(1200), 9);
        Assert.Equal(1000, cache.StartMb);
        Assert.Equal(1200, cache.EndMb);
        Assert.Equal(10, cache.Trace().Length);

        // A steady leak of 0.5 MiB per step.
        var leak = new RssTracker();
        for (int i = 0; i < 100; i++) leak.Add(1000 + 0.5 * i);
        Assert.Equal(50, leak.GrowthMbPer100Steps, 6);
        Assert.Equal(49 * 0.5 / 1049.5 * 100, leak.GrowthPercentOfPeak(1049.5), 6);
    }

    [Fact]
    public void GrowthOfTheManagedHeapIsToldApart()
    {
        // Resident memory grows 0.5 MiB a step, all of it .NET objects awaiting a collection.
        var heap = new RssTracker();
        for (int i = 0; i < 100; i++) heap.Add(1000 + 0.5 * i, 20 + 0.5 * i);
        Assert.Equal(50, heap.GrowthMbPer100Steps, 6);
        Assert.Equal(50, heap.ManagedGrowthMbPer100Steps, 6);
        var native = new RssTracker();
        for (int i = 0; i < 100; i++) native.Add(1000 + 0.5 * i, 20);
        Assert.Equal(0, native.ManagedGrowthMbPer100Steps, 9);
    }
}

using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;

namespace Livt.Tests.Optimization;

public class LrScheduleTests
{
    public LrScheduleTests() => LivtRuntime.Initialize();

    private static readonly LrSchedule Bft = new(Lr: 4e-3, MinLr: 1e-6, WarmupEpochs: 10, Epochs: 100);

    // Reference values: the official util/lr_sched.adjust_learning_rate with lr 4e-3, min_lr 1e-6,
    // warmup 10, epochs 100.
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(2.5, 0.001)]
    [InlineData(10.0, 0.004)]
    [InlineData(37.3, 0.0031587727040991867)]
    [InlineData(55.0, 0.0020005)]
    [InlineData(99.99, 1.000121816504997e-06)]
    [InlineData(100.0, 1e-06)]
    public void ValuesEqualTheOfficialSchedule(double epoch, double expected) =>
        Assert.Equal(expected, Bft.At(epoch), 1e-15);

    [Fact]
    public void WarmupIsLinearAndCosineEndsAtMinLr()
    {
        for (double e = 0; e < 10; e += 0.37) Assert.Equal(4e-3 * e / 10, Bft.At(e), 1e-15);
        Assert.Equal(1e-6, Bft.At(100), 1e-18);
        // Monotone decreasing after warm-up.
        for (double e = 10; e < 100; e += 0.5) Assert.True(Bft.At(e + 0.5) < Bft.At(e));
    }

    [Fact]
    public void ApplySetsTheOptimizersScheduledRate()
    {
        using var p = new Parameter(torch.zeros(2));
        using var store = ParameterStore.Create(ParamGroups.Single([p]));
        using var opt = new Livt.Optimization.AdamW(store, 4e-3, 0.9, 0.99);
        Bft.Apply(opt, 55);
        Assert.Equal(Bft.At(55), opt.Lr);
        Assert.Equal(0.0020005, opt.Lr, 1e-16);
    }

    [Fact]
    public void BaseLrScalesWithTheEffectiveBatch() => Assert.Equal(4e-3, LrSchedule.FromBase(1e-3, 1024), 1e-18);

    [Fact]
    public void WarmupNotShorterThanTrainingIsAUserError()
    {
        var e = Assert.Throws<LivtException>(() => new LrSchedule(1e-3, 0, 10, 10));
        Assert.Contains("epochs", e.Message);
    }

    [Fact]
    public void ARestartEndsTheFirstCosineAndStartsAFreshOneWithoutWarmup()
    {
        // TSC's official script: cosine over the KCL epochs, then a new optimizer and a cosine over the TSC epochs.
        var restarted = Bft with { RestartEpoch = 40 };
        var first = new LrSchedule(4e-3, 1e-6, 10, 40);
        var second = new LrSchedule(4e-3, 1e-6, 0, 60);
        foreach (var e in new[] { 0.0, 5.0, 10.0, 25.0, 39.99 }) Assert.Equal(first.At(e), restarted.At(e), 1e-18);
        foreach (var e in new[] { 40.0, 40.5, 70.0, 100.0 }) Assert.Equal(second.At(e - 40), restarted.At(e), 1e-18);
        Assert.Equal(4e-3, restarted.At(40), 1e-18);
        Assert.Equal(1e-6, restarted.At(100), 1e-18);
        Assert.Contains("warm-up", Assert.Throws<LivtException>(() => Bft with { RestartEpoch = 10 }).Message);
        Assert.Contains("end", Assert.Throws<LivtException>(() => Bft with { RestartEpoch = 100 }).Message);
    }
}

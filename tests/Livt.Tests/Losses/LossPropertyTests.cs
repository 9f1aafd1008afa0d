using Livt.Losses;
using Livt.Methods;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

public class LossPropertyTests
{
    private static readonly long[] LongTail = { 500, 200, 80, 20, 5 };

    public LossPropertyTests() => LivtRuntime.Initialize();

    private static Tensor Logits(int n = 6, int c = 5) =>
        torch.randn(n, c, dtype: ScalarType.Float64, generator: new torch.Generator(7)) * 2;

    private static Tensor Labels(int n, int c) => torch.arange(n, dtype: ScalarType.Int64) % c;

    private static Tensor Soft(int n, int c) =>
        torch.nn.functional.softmax(torch.randn(n, c, dtype: ScalarType.Float64, generator: new torch.Generator(11)), 1);

    private static double Value(string name, long[] counts, Tensor logits, Tensor targets, LossOptions? o = null) =>
        LossFactory.Create(name, counts, o).Forward(logits, targets).item<double>();

    [Fact]
    public void BalBceWithUniformPriorIsBceOnLogitsShiftedByMinusLogCMinus1()
    {
        // π = 1/C gives log π − log(1 − π) = −log(C − 1): a constant shift, zero only for C = 2.
        using var scope = torch.NewDisposeScope();
        var uniform = new long[] { 9, 9, 9, 9, 9 };
        var x = Logits();
        foreach (var y in new[] { Labels(6, 5), Soft(6, 5) })
        {
            Assert.Equal(Value("bce", uniform, x - Math.Log(4), y), Value("bal-bce", uniform, x, y), 12);
            Assert.NotEqual(Value("bce", uniform, x, y), Value("bal-bce", uniform, x, y), 6);
        }
        var two = new long[] { 3, 3 };
        Assert.Equal(Value("bce", two, Logits(6, 2), Labels(6, 2)), Value("bal-bce", two, Logits(6, 2), Labels(6, 2)), 12);
    }

    [Fact]
    public void LogitAdjustmentWithUniformPriorIsCrossEntropy()
    {
        using var scope = torch.NewDisposeScope();
        var uniform = new long[] { 4, 4, 4, 4, 4 };
        var x = Logits();
        foreach (var y in new[] { Labels(6, 5), Soft(6, 5) })
            Assert.Equal(Value("ce", uniform, x, y), Value("bal-ce", uniform, x, y), 12);
        // A long-tailed prior does change it.
        Assert.NotEqual(Value("ce", LongTail, x, Labels(6, 5)), Value("bal-ce", LongTail, x, Labels(6, 5)), 3);
    }

    [Fact]
    public void BalBceTauZeroIsBceAndTauTwoDiffersFromTauOne()
    {
        using var scope = torch.NewDisposeScope();
        var x = Logits();
        var y = Soft(6, 5);
        double bce = Value("bce", LongTail, x, y);
        Assert.Equal(bce, Value("bal-bce", LongTail, x, y, new LossOptions { Tau = 0 }), 12);
        double tau1 = Value("bal-bce", LongTail, x, y);
        double tau2 = Value("bal-bce", LongTail, x, y, new LossOptions { Tau = 2 });
        Assert.NotEqual(bce, tau1, 3);
        Assert.NotEqual(tau1, tau2, 3);
        // τ = 2 is τ = 1 applied to logits already shifted once by the margin.
        var pi = torch.tensor(LongTail.Select(n => (double)n).ToArray(), dtype: ScalarType.Float64) / LongTail.Sum();
        var margin = pi.log() - (1 - pi).log();
        Assert.Equal(tau2, Value("bal-bce", LongTail, x + margin, y), 12);
    }

    [Fact]
    public void FocalWithGammaZeroIsCrossEntropy()
    {
        using var scope = torch.NewDisposeScope();
        var x = Logits();
        foreach (var y in new[] { Labels(6, 5), Soft(6, 5) })
            Assert.Equal(Value("ce", LongTail, x, y), Value("focal", LongTail, x, y, new LossOptions { FocalGamma = 0 }), 12);
    }

    [Fact]
    public void MislasWithEqualCountsIsLabelSmoothingWithTheHeadValue()
    {
        using var scope = torch.NewDisposeScope();
        var equal = new long[] { 10, 10, 10, 10, 10 };
        var x = Logits();
        var y = Labels(6, 5);
        Assert.Equal(Value("ls-ce", equal, x, y, new LossOptions { Smoothing = 0.3 }), Value("mislas", equal, x, y), 12);
    }

    [Fact]
    public void LdamReweightingSwitchesOnAtDrwEpoch()
    {
        using var scope = torch.NewDisposeScope();
        var x = Logits();
        var y = Labels(6, 5);
        var loss = LossFactory.Create("ldam", LongTail, new LossOptions { DrwEpoch = 2 });
        double plain = LossFactory.Create("ldam", LongTail).Forward(x, y).item<double>();
        loss.SetEpoch(1);
        Assert.Equal(plain, loss.Forward(x, y).item<double>(), 12);
        loss.SetEpoch(2);
        Assert.NotEqual(plain, loss.Forward(x, y).item<double>(), 3);
    }

    [Theory]
    [InlineData(5L)]
    [InlineData(-1L)]
    public void HardLabelOutsideTheClassesIsRejectedNamingLabelAndC(long bad)
    {
        using var scope = torch.NewDisposeScope();
        var y = torch.tensor(new long[] { 0, 1, bad, 2, 3, 4 });
        foreach (var name in LossFactory.Names)
        {
            var e = Assert.Throws<ArgumentException>(() => LossFactory.Create(name, LongTail).Forward(Logits(), y));
            Assert.Contains($"label {bad}", e.Message);
            Assert.Contains("C = 5", e.Message);
        }
    }

    [Fact]
    public void SoftTargetsAreRejectedExactlyWhereHardLabelsAreNeeded()
    {
        using var scope = torch.NewDisposeScope();
        var hardOnly = new[] { "ls-ce", "cb-ce", "lade" };
        foreach (var name in LossFactory.Names)
        {
            var loss = LossFactory.Create(name, LongTail);
            Assert.Equal(!hardOnly.Contains(name), loss.AcceptsSoftTargets);
            if (loss.AcceptsSoftTargets) Assert.True(double.IsFinite(loss.Forward(Logits(), Soft(6, 5)).item<double>()));
            else Assert.Throws<ArgumentException>(() => loss.Forward(Logits(), Soft(6, 5)));
        }
    }

    [Fact]
    public void ShapeMismatchesAreRejected()
    {
        using var scope = torch.NewDisposeScope();
        var loss = LossFactory.Create("bal-bce", LongTail);
        Assert.Throws<ArgumentException>(() => loss.Forward(Logits(6, 4), Labels(6, 4)));
        Assert.Throws<ArgumentException>(() => loss.Forward(Logits(), Labels(5, 5)));
        Assert.Throws<ArgumentException>(() => loss.Forward(Logits(), Soft(6, 5).narrow(1, 0, 4)));
    }

    [Fact]
    public void FactoryAcceptsOfficialSpellingsAndRejectsUnknownNames()
    {
        var y = Labels(6, 5);
        Assert.Equal(Value("bal-bce", LongTail, Logits(), y), Value("Bal_BCE", LongTail, Logits(), y), 12);
        var e = Assert.Throws<LivtException>(() => LossFactory.Create("softmax", LongTail));
        Assert.Contains("softmax", e.Message);
        foreach (var name in LossFactory.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void ClassWithoutImagesAndBadOptionsAreUserErrors()
    {
        var e = Assert.Throws<LivtException>(() => LossFactory.Create("bal-bce", new long[] { 10, 0, 3 }));
        Assert.Contains("class 1", e.Message);
        var o = Assert.Throws<LivtException>(() => LossFactory.Create("cb-ce", LongTail, new LossOptions { Beta = 1 }));
        Assert.Contains("Beta", o.Message);
    }

    [Fact]
    public void LossFollowsTheLogitsDtypeAndDevice()
    {
        var x = Logits().to(ScalarType.Float32);
        foreach (var name in LossFactory.Names)
        {
            using var scope = torch.NewDisposeScope();
            var loss = LossFactory.Create(name, LongTail).Forward(x, Labels(6, 5));
            Assert.Equal(ScalarType.Float32, loss.dtype);
            Assert.Equal(x.device_type, loss.device_type);
        }
    }
}

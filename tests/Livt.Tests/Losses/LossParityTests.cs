using Livt.Methods;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

/// <summary>Every loss's value and gradient against PyTorch running the official formulas.</summary>
public class LossParityTests
{
    public LossParityTests() => LivtRuntime.Initialize();

    public static TheoryData<string> Cases()
    {
        LivtRuntime.Initialize();
        using var f = new LossFixture();
        var data = new TheoryData<string>();
        foreach (var name in f.CaseNames) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ValueAndGradientMatchPyTorchInFloat64(string name) => Check(name, ScalarType.Float64, 1e-5);

    // Float32 is what training runs in: same numbers at float32 precision.
    [Theory]
    [MemberData(nameof(Cases))]
    public void ValueAndGradientMatchPyTorchInFloat32(string name) => Check(name, ScalarType.Float32, 2e-4);

    [Fact]
    public void EveryLossHasHardAndSupportedSoftCases()
    {
        using var f = new LossFixture();
        var names = f.CaseNames.ToList();
        // The losses of the official code; a loss added later with settings of its own has its own tests.
        foreach (var loss in LongTailMethods.OfKind(MethodKind.Loss).Where(m => m.OptionsType is null).Select(m => m.Name))
        {
            Assert.Contains(names, n => f.LossName(n) == loss && !f.IsSoft(n));
            if (LossFactory.Create(loss, f.Counts).AcceptsSoftTargets)
                Assert.Contains(names, n => f.LossName(n) == loss && f.IsSoft(n));
        }
    }

    private static void Check(string name, ScalarType dtype, double rtol)
    {
        using var f = new LossFixture();
        using var scope = torch.NewDisposeScope();
        var loss = LossFactory.Create(f.LossName(name), f.Counts, f.Options(name));
        if (f.Epoch(name) is { } epoch) loss.SetEpoch(epoch);

        var logits = f.Logits.to(dtype).detach().requires_grad_(true);
        var targets = f.IsSoft(name) ? f.Soft.to(dtype) : f.Hard;
        var value = loss.Forward(logits, targets);
        Assert.Equal(0, value.dim());
        value.backward();

        double expected = f.Loss(name).item<double>();
        double actual = value.to(ScalarType.Float64).item<double>();
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Abs(expected),
            $"{name}: loss {actual:R} vs PyTorch {expected:R}");

        var grad = logits.grad!.to(ScalarType.Float64);
        var reference = f.Grad(name);
        // Relative to each entry, with the largest entry's scale as the floor for entries near zero.
        double floor = reference.abs().max().item<double>() * rtol;
        var excess = (grad - reference).abs() - (reference.abs() * rtol + floor);
        Assert.True(excess.max().item<double>() <= 0,
            $"{name}: gradient differs from PyTorch by up to {(grad - reference).abs().max().item<double>():E2}");
    }
}

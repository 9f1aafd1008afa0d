using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Methods;
using Livt.Methods.VectorScaling;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Methods;

/// <summary>The vector-scaling loss, added as a method: its values, and that its one registration line gives
/// it a name, flags of its own and a place in config.json.</summary>
public class VsLossTests
{
    public VsLossTests() => LivtRuntime.Initialize();

    private static double Value(long[] counts, double gamma, double tau, double[] logits, long label)
    {
        using var scope = torch.NewDisposeScope();
        var loss = LossFactory.Create("vs", counts, own: new VsOptions { VsGamma = gamma, VsTau = tau });
        return loss.Forward(torch.tensor(logits, dtype: ScalarType.Float64).reshape(1, -1), torch.tensor(new[] { label })).item<double>();
    }

    [Fact]
    public void ScalesTheLogitsByClassSizeAndAddsTheLogPrior()
    {
        // Zero logits: only τ·log π is left, so the softmax is the prior and the loss −log π_y.
        Assert.Equal(Math.Log(7), Value([4, 2, 1], 0.3, 1.0, [0, 0, 0], 2), 12);
        // γ = 1, τ = 0: the rare class's logit is scaled by n / n_max = 1/4.
        Assert.Equal(-Math.Log(Math.Exp(1) / (Math.Exp(1) + Math.Exp(0.25))), Value([4, 1], 1.0, 0.0, [1, 1], 0), 12);
        // γ = 0 is logit adjustment (bal-ce), and τ = 0 as well plain CE.
        long[] counts = [500, 200, 80, 20, 5];
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(6, 5, dtype: ScalarType.Float64, generator: new Generator(3));
        var y = torch.arange(6, dtype: ScalarType.Int64) % 5;
        double Loss(string name, object? own = null) => LossFactory.Create(name, counts, own: own).Forward(x, y).item<double>();
        Assert.Equal(Loss("bal-ce"), Loss("vs", new VsOptions { VsGamma = 0 }), 12);
        Assert.Equal(Loss("ce"), Loss("vs", new VsOptions { VsGamma = 0, VsTau = 0 }), 12);
        Assert.NotEqual(Loss("bal-ce"), Loss("vs"), 6);
    }

    [Fact]
    public void ItsRegistrationGivesItAFlagOfItsOwnAndAPlaceInTheRunSpec()
    {
        Assert.Contains("vs", LossFactory.Names);
        var config = ConfigResolver.Resolve("finetune", null, new JsonObject { ["loss"] = "vs", ["vs_gamma"] = 0.5 });
        Assert.Equal(0.5, config.Options<VsOptions>().VsGamma);
        Assert.Equal(1.0, config.Options<VsOptions>().VsTau);
        var dir = Directory.CreateTempSubdirectory("livt-vs").FullName;
        ConfigResolver.Write(config, Path.Combine(dir, "config.json"));
        Assert.Equal(0.5, ConfigResolver.ReadResolved(Path.Combine(dir, "config.json")).Options<VsOptions>().VsGamma);
        Directory.Delete(dir, recursive: true);

        var e = Assert.Throws<LivtException>(() => ConfigResolver.Resolve("finetune", null, new JsonObject { ["loss"] = "ce", ["vs_gamma"] = 0.5 }));
        Assert.Contains("--vs-gamma", e.Message);
        Assert.Contains("--loss vs", e.Message);
        Assert.Throws<LivtException>(() => ConfigResolver.Resolve("finetune", null, new JsonObject { ["loss"] = "vs", ["vs_gamma"] = -1 }));
    }
}

using Livt.Interop;
using Livt.Losses;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

/// <summary>SADE's DiverseExpertLoss against fixtures/make_expert_fixtures.py (checked there against the
/// official model/loss.py).</summary>
public class DiverseExpertLossTests
{
    public DiverseExpertLossTests() => LivtRuntime.Initialize();

    private static SafeTensorsFile Fixture() => SafeTensors.Read(TensorAssert.Fixture("experts", "sade.safetensors"));

    [Theory]
    [InlineData("hard", 2.0)]
    [InlineData("soft", 2.0)]
    [InlineData("hard", 1.0)]
    [InlineData("soft", 1.0)]
    public void ValueAndGradientMatchPyTorch(string kind, double tau)
    {
        using var f = Fixture();
        foreach (var (dtype, rtol) in new[] { (ScalarType.Float64, 1e-9), (ScalarType.Float32, 2e-4) })
        {
            using var scope = torch.NewDisposeScope();
            var loss = new DiverseExpertLoss(f.Tensors["counts"].data<long>().ToArray(), tau);
            var logits = f.Tensors["logits"].to(dtype).detach().requires_grad_(true);
            var targets = kind == "hard" ? f.Tensors["hard"] : f.Tensors["soft"].to(dtype);
            var value = loss.Forward(logits, targets);
            value.backward();
            var name = $"loss.{kind}.tau{tau:G}";
            TensorAssert.Close(f.Tensors[name + ".value"], value, rtol, name);
            TensorAssert.Close(f.Tensors[name + ".grad"], logits.grad!, rtol, name + " gradient");
        }
    }

    [Fact]
    public void InversePriorReversesTheRanks()
    {
        using var f = Fixture();
        var loss = new DiverseExpertLoss(f.Tensors["counts"].data<long>().ToArray());
        Assert.Equal(f.Tensors["inverse_prior"].data<double>().ToArray(), loss.InversePrior.ToArray(), new Tolerance(1e-15));
        // Ties keep class order (a stable sort): priors 0.4, 0.2, 0.2, 0.1, 0.1 → 0.1, 0.1, 0.2, 0.2, 0.4.
        var tied = new DiverseExpertLoss(new long[] { 4, 2, 2, 1, 1 });
        Assert.Equal(new[] { 0.1, 0.2, 0.1, 0.4, 0.2 }, tied.InversePrior.ToArray(), new Tolerance(1e-15));
    }

    [Fact]
    public void RejectsLogitsThatAreNotThreeExperts()
    {
        using var scope = torch.NewDisposeScope();
        var loss = new DiverseExpertLoss(new long[] { 50, 5 });
        Assert.Throws<ArgumentException>(() => loss.Forward(torch.zeros(4, 2), torch.zeros(4, ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => loss.Forward(torch.zeros(4, 2, 2), torch.zeros(4, ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => loss.Forward(torch.zeros(4, 3, 2), torch.full(4, 2L)));
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double x) => 0;
    }
}

using Livt.Interop;
using Livt.Losses;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Models;
using Livt.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>Difficulty-Net's pieces, and its meta step against fixtures/make_difficulty_fixtures.py (a
/// transcription of the official CIFAR-LT loop on a linear model).</summary>
public class DifficultyNetMetaLearnerTests
{
    public DifficultyNetMetaLearnerTests() => LivtRuntime.Initialize();

    [Fact]
    public void RelativeDifficultyDriverLossAndWeights()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new[] { 0.8, 0.6, 0.4, 0.2 }); // Σ = 2
        Assert.Equal(new[] { 0.6, 0.7, 0.8, 0.9 }, DifficultyWeights.RelativeDifficulty(a).data<double>().ToArray(), new Close(1e-12));
        Assert.Equal(new[] { 1.0, 1.0 }, DifficultyWeights.RelativeDifficulty(torch.zeros(2, ScalarType.Float64)).data<double>().ToArray());
        var predicted = torch.tensor(new[] { 0.6, 0.7, 0.8, 0.5 });
        Assert.Equal(0.16 / 4, DifficultyWeights.DriverLoss(predicted, a).item<double>(), 12);
        var w = DifficultyWeights.Normalize(torch.tensor(new[] { 0.1, 0.3 }));
        Assert.Equal(new[] { 0.5, 1.5 }, w.data<double>().ToArray(), new Close(1e-12));
        var loss = DifficultyWeights.Weighted(torch.tensor(new[] { 2.0, 4.0, 6.0 }), w, torch.tensor(new long[] { 1, 0, 1 }));
        Assert.Equal((3.0 + 2.0 + 9.0) / 3, loss.item<double>(), 12);
    }

    [Theory]
    [InlineData("official", true)]
    [InlineData("paper", false)]
    public void MetaStepsMatchTheOfficialLoop(string mode, bool detach)
    {
        using var f = SafeTensors.Read(TensorAssert.Fixture("difficulty", "meta.safetensors"));
        using var scope = torch.NewDisposeScope();
        var t = f.Tensors;
        var net = new DifficultyNet(4, hidden: 5);
        net.to(ScalarType.Float64);
        StateDictLoader.Load(net, t.Where(kv => kv.Key.StartsWith("net.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[4..], kv => kv.Value));
        using var learner = new DifficultyNetMetaLearner(net, lr: 1e-2, weightDecay: 1e-4, lambda: 0.3, detachSampleWeights: detach);
        Tensor[] model = { new Parameter(t["W"].clone()), new Parameter(t["b"].clone()) };
        Tensor Logits(IReadOnlyList<Tensor> p, Tensor x) => x.matmul(p[0].t()) + p[1];
        for (int step = 0; step < 2; step++)
        {
            var r = learner.Step(t["acc"], t["y"], model,
                p => nn.functional.cross_entropy(Logits(p, t["x"]), t["y"], reduction: nn.Reduction.None),
                p => nn.functional.cross_entropy(Logits(p, t["xm"]), t["ym"]), innerLr: 0.5);
            Assert.Equal(t[$"{mode}.{step}.meta"].item<double>(), r.MetaLoss, 10);
            Assert.Equal(t[$"{mode}.{step}.driver"].item<double>(), r.DriverLoss, 10);
            Assert.Equal(t[$"{mode}.{step}.class_weights"].data<double>().ToArray(), r.ClassWeights, new Close(1e-9));
        }
        foreach (var (name, value) in net.state_dict())
            TensorAssert.Close(t[$"{mode}.net.{name}"], value, 1e-9, name);
        Assert.All(model, p => Assert.True(p.grad is null || p.grad.abs().sum().item<double>() == 0)); // the model is untouched
    }

    [Fact]
    public void TheDriverLossPullsPredictionsTowardsRelativeDifficulty()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var net = new DifficultyNet(3, hidden: 16);
        using var learner = new DifficultyNetMetaLearner(net, lr: 2e-2, detachSampleWeights: true);
        var acc = torch.tensor(new[] { 0.9f, 0.5f, 0.1f });
        var w = new Parameter(torch.zeros(3, 2));
        var x = torch.randn(6, 2);
        var y = torch.tensor(new long[] { 0, 0, 0, 1, 1, 2 });
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            var r = learner.Step(acc, y, new Tensor[] { w }, p => nn.functional.cross_entropy(x.matmul(p[0].t()), y, reduction: nn.Reduction.None),
                p => nn.functional.cross_entropy(x.matmul(p[0].t()), y), innerLr: 0.1);
            if (step == 0) first = r.DriverLoss;
            last = r.DriverLoss;
        }
        Assert.True(last < first / 4, $"driver loss {first:E2} → {last:E2}");
        var weights = learner.ClassWeights(acc);
        Assert.True(weights[0] < weights[1] && weights[1] < weights[2], $"class weights {string.Join(", ", weights)}: the least accurate class should weigh most");
    }

    private sealed class Close(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double x) => 0;
    }
}

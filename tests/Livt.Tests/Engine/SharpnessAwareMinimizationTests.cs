using Livt.Engine;
using Livt.Interop;
using Livt.Tests.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Tests.Engine;

/// <summary>SAM against Saddle-LongTail's sam.py transcribed in fixtures/make_distillation_fixtures.py: three steps
/// of SAM (rho 0.3) on AdamW (lr 0.01, weight decay 0.05) of a small MLP, float64.</summary>
public class SharpnessAwareMinimizationTests
{
    [Fact]
    public void ThreeStepsOnAdamWMatchSamPy()
    {
        using var f = SafeTensors.Read(TensorAssert.Fixture("distillation", "sam_adamw.safetensors"));
        var t = f.Tensors;
        using var mlp = nn.Sequential(("0", nn.Linear(6, 8)), ("1", nn.ReLU()), ("2", nn.Linear(8, 3)));
        mlp.to(ScalarType.Float64);
        var start = t.Where(kv => kv.Key.StartsWith("start.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["start.".Length..], kv => kv.Value);
        StateDictLoader.Load(mlp, start, strict: true, source: "sam_adamw.safetensors");
        var parameters = mlp.parameters().ToArray();
        using var optimizer = torch.optim.AdamW(parameters, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.05);
        var sam = new SharpnessAwareMinimization(0.3, parameters);
        var losses = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            using var scope = torch.NewDisposeScope();
            var loss = sam.Loss(() => nn.functional.cross_entropy(mlp.call(t["x"]), t["y"]));
            losses.Add(loss.item<double>());
            loss.backward();
            optimizer.step();
            optimizer.zero_grad();
        }
        Assert.Equal(t["losses"].data<double>().ToArray(), losses.ToArray(), new ToleranceComparer(1e-12));
        foreach (var (name, value) in mlp.state_dict())
            TensorAssert.Close(t[$"end.{name}"], value, 1e-10, name);
    }

    [Fact]
    public void RhoZeroIsThePlainGradient()
    {
        using var lin = nn.Linear(4, 2);
        lin.to(ScalarType.Float64);
        using var x = torch.randn(5, 4, ScalarType.Float64);
        var parameters = lin.parameters().ToArray();
        using (var plain = lin.call(x).pow(2).sum()) plain.backward();
        var expected = parameters.Select(p => p.grad!.clone()).ToArray();
        foreach (var p in parameters) p.grad = null;
        using var loss = new SharpnessAwareMinimization(0, parameters).Loss(() => lin.call(x).pow(2).sum());
        loss.backward();
        for (int i = 0; i < parameters.Length; i++) TensorAssert.Close(expected[i], parameters[i].grad!, 1e-12, $"gradient {i}");
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double obj) => 0;
    }
}

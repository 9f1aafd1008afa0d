using Livt.Data;
using Livt.Engine;
using Livt.Interop;
using Livt.Optimization;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Optimization;

/// <summary>SAM against Saddle-LongTail's sam.py transcribed in fixtures/make_distillation_fixtures.py: three steps
/// of SAM (rho 0.3) on AdamW (lr 0.01, weight decay 0.05) of a small MLP, float64, driven by the trainer's step.</summary>
public class SharpnessAwareMinimizationTests
{
    /// <summary>The MLP's cross-entropy on the fixture's batch, whatever batch the step is given.</summary>
    private sealed class MlpStage(nn.Module<Tensor, Tensor> mlp, Tensor x, Tensor y) : ITrainingStage
    {
        public string Name => "sam-test";
        public nn.Module Model => mlp;
        public MixedPrecision? Precision => null;
        public double? BestMetric { get; set; }
        public void BeginEpoch(int epoch) { }
        // A float32 scalar, as every stage returns (its gradient flows back in float64 unchanged).
        public Tensor Loss(Batch batch, StepContext step) => nn.functional.cross_entropy(mlp.call(x), y).to(ScalarType.Float32);
        public (double? Top1, double? Balanced) EndEpoch(int epoch) => (null, null);
    }

    [Fact]
    public void ThreeTrainerStepsOnAdamWMatchSamPy()
    {
        using var f = SafeTensors.Read(TensorAssert.Fixture("distillation", "sam_adamw.safetensors"));
        var t = f.Tensors;
        using var mlp = nn.Sequential(("0", nn.Linear(6, 8)), ("1", nn.ReLU()), ("2", nn.Linear(8, 3)));
        mlp.to(ScalarType.Float64);
        var start = t.Where(kv => kv.Key.StartsWith("start.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["start.".Length..], kv => kv.Value);
        StateDictLoader.Load(mlp, start, strict: true, source: "sam_adamw.safetensors");
        using var store = ParameterStore.Create(ParamGroups.Single(mlp.parameters().ToArray(), weightDecay: 0.05));
        using var optimizer = new AdamW(store, 0.01, 0.9, 0.999, 1e-8);
        var schedule = new LrSchedule(0.01, 0.01, 0, 1);
        var step = new TrainStep(new MlpStage(mlp, t["x"], t["y"]), optimizer, schedule, 1, null, sam: new SharpnessAwareMinimization(0.3));
        using var generator = new Generator(0);
        using var batch = new Batch(t["x"].clone(), t["y"].clone(), Enumerable.Range(0, 10).ToArray(), 0);
        var losses = new List<double>();
        for (int i = 0; i < 3; i++)
            using (torch.NewDisposeScope())
                losses.Add(step.Run(batch, new StepContext(0, i, i, i, generator), 0));
        var expected = t["losses"].data<double>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], losses[i], 5); // the step reports the loss as float32
        foreach (var (name, value) in mlp.state_dict())
            TensorAssert.Close(t[$"end.{name}"], value, 1e-10, name);
    }

    [Fact]
    public void RhoZeroLeavesTheWeightsAndGradientAsTheyWere()
    {
        using var lin = nn.Linear(4, 2);
        lin.to(ScalarType.Float64);
        using var store = ParameterStore.Create(ParamGroups.Single(lin.parameters().ToArray()));
        using var x = torch.randn(5, 4, ScalarType.Float64);
        using (var loss = lin.call(x).pow(2).sum()) loss.backward();
        var before = store.Buffers[0].Data.clone();
        var grad = store.Buffers[0].Grad.clone();
        using var sam = new SharpnessAwareMinimization(0);
        sam.FirstStep(store);
        Assert.True(TensorAssert.BitEqual(before, store.Buffers[0].Data), "rho 0 moved the weights");
        Assert.Equal(0, store.Buffers[0].Grad.abs().sum().item<double>());
        using (var loss = lin.call(x).pow(2).sum()) loss.backward();
        sam.SecondStep(store);
        Assert.True(TensorAssert.BitEqual(before, store.Buffers[0].Data));
        TensorAssert.Close(grad, store.Buffers[0].Grad, 1e-12, "second gradient at the same point");
        Assert.Throws<InvalidOperationException>(() => sam.SecondStep(store));
    }
}

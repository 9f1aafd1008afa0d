using Livt.Interop;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using AdamW = Livt.Optimization.AdamW;

namespace Livt.Tests.Optimization;

/// <summary>Livt's optimizers against torch.optim on the same tiny ViT, batch, parameter groups and schedule
/// (fixtures/make_optimizer_fixtures.py, float64): weights and optimizer state after every step of the run.</summary>
public class OptimizerParityTests
{
    public OptimizerParityTests() => LivtRuntime.Initialize();

    private static readonly VitConfig Tiny = new()
    {
        ImageSize = 8, InChans = 1, PatchSize = 4, EmbedDim = 16, Depth = 2, NumHeads = 2, NumClasses = 3, GlobalPool = true,
    };

    [Fact]
    public void AdamWWithLayerDecayMatchesTorchAfterFiftySteps() =>
        Replay("adamw.safetensors", store => new AdamW(store, 0, 0.9, 0.99, 1e-8), 0.05, lr: 5e-3, minLr: 1e-5, steps: 50);

    [Fact]
    public void NesterovSgdWithLayerDecayMatchesTorchAfterTwentySteps() =>
        Replay("sgd.safetensors", store => new Sgd(store, 0, momentum: 0.9, nesterov: true), 5e-4, lr: 0.05, minLr: 0, steps: 20);

    private static void Replay(string fixture, Func<ParameterStore, FlatOptimizer> create, double weightDecay, double lr, double minLr, int steps)
    {
        using var file = SafeTensors.Read(TensorAssert.Fixture("optim", fixture));
        using var vit = new VisionTransformer(Tiny);
        vit.to(ScalarType.Float64);
        StateDictLoader.Load(vit, Prefixed(file, "initial."), strict: true);
        using var store = ParameterStore.Create(ParamGroups.LayerDecay(vit.named_parameters(), Tiny.Depth, weightDecay, layerDecay: 0.75));
        using var optimizer = create(store);
        var schedule = new LrSchedule(lr, minLr, WarmupEpochs: 1, Epochs: 5);
        for (int step = 0; step < steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            schedule.Apply(optimizer, step / 10.0);
            optimizer.ZeroGrad();
            nn.functional.cross_entropy(vit.forward(file.Tensors["images"]), file.Tensors["labels"]).backward();
            optimizer.Step();
        }
        var final = Prefixed(file, "final.");
        foreach (var (name, p) in vit.named_parameters()) TensorAssert.Within(final[name], p, 1e-6, name);
        for (int i = 0; i < store.Buffers.Count; i++)
            foreach (var segment in store.Buffers[i].Segments)
                for (int k = 0; k < optimizer.StateNames.Count; k++)
                {
                    using var state = store.Buffers[i].Slice(optimizer.State(i, k), segment);
                    TensorAssert.Within(file.Tensors[$"state.{segment.Name}.{optimizer.StateNames[k]}"], state, 1e-6, $"{segment.Name}.{optimizer.StateNames[k]}");
                }
    }

    private static Dictionary<string, Tensor> Prefixed(SafeTensorsFile file, string prefix) =>
        file.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}

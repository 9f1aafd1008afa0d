using Livt.Interop;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = Livt.Optimization.AdamW;
using OptimizerState = Livt.Optimization.OptimizerState;

namespace Livt.Tests.Optimization;

public class OptimizerStateTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "livt-optstate-" + Guid.NewGuid().ToString("N"));

    public OptimizerStateTests() => LivtRuntime.Initialize();

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly LrSchedule Schedule = new(Lr: 1e-2, MinLr: 1e-4, WarmupEpochs: 1, Epochs: 4);

    /// <summary>A tiny two-block "ViT" parameter set with layer-decay groups.</summary>
    private sealed class Run : IDisposable
    {
        public readonly List<(string Name, Parameter Param)> Named;
        public readonly ParameterStore Store;
        public readonly AdamW Optimizer;

        public Run(IEnumerable<(string Name, Tensor Value)> weights)
        {
            Named = weights.Select(w => (w.Name, new Parameter(w.Value.clone()))).ToList();
            Store = ParameterStore.Create(ParamGroups.LayerDecay(Named, depth: 2, weightDecay: 0.05, layerDecay: 0.75));
            Optimizer = new AdamW(Store, Schedule.Lr, 0.9, 0.99);
        }

        public void Step(int iteration)
        {
            using var scope = torch.NewDisposeScope();
            Schedule.Apply(Optimizer, iteration * 0.5);
            Optimizer.ZeroGrad();
            var x = torch.linspace(-1, 1, 12).reshape(4, 3) * (iteration + 1);
            var h = x;
            foreach (var (name, p) in Named.Where(n => n.Param.dim() == 2)) h = torch.tanh(h.matmul(p));
            var loss = Named.Where(n => n.Param.dim() == 1).Select(n => n.Param.square().sum()).Aggregate(h.square().sum(), (a, b) => a + b);
            loss.backward();
            Optimizer.Step();
        }

        public void Dispose()
        {
            Optimizer.Dispose();
            Store.Dispose();
        }
    }

    private static List<(string, Tensor)> InitialWeights()
    {
        var g = new torch.Generator(3);
        return new List<(string, Tensor)>
        {
            ("patch_embed.proj.weight", torch.randn(3, 3, generator: g)),
            ("patch_embed.proj.bias", torch.randn(3, generator: g)),
            ("blocks.0.mlp.fc1.weight", torch.randn(3, 3, generator: g)),
            ("blocks.0.norm1.bias", torch.randn(3, generator: g)),
            ("blocks.1.mlp.fc1.weight", torch.randn(3, 3, generator: g)),
            ("head.weight", torch.randn(3, 3, generator: g)),
            ("head.bias", torch.randn(3, generator: g)),
        };
    }

    [Fact]
    public void ResumedRunIsBitwiseIdenticalToTheUninterruptedOne()
    {
        var init = InitialWeights();
        using var straight = new Run(init);
        for (int i = 0; i < 4; i++) straight.Step(i);

        var path = Path.Combine(_dir, OptimizerState.FileName);
        List<(string, Tensor)> checkpoint;
        using (var first = new Run(init))
        {
            for (int i = 0; i < 3; i++) first.Step(i);
            OptimizerState.Save(first.Optimizer, path);
            checkpoint = first.Named.Select(n => (n.Name, (Tensor)n.Param.detach().clone())).ToList();
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        using var resumed = new Run(checkpoint);
        OptimizerState.Load(resumed.Optimizer, path);
        resumed.Step(3);

        using var fresh = new Run(checkpoint);   // same weights, no optimizer state: must differ
        fresh.Step(3);

        for (int k = 0; k < straight.Named.Count; k++)
        {
            Assert.True(Bitwise(straight.Named[k].Param, resumed.Named[k].Param), $"{straight.Named[k].Name} differs after resuming");
        }
        Assert.Contains(Enumerable.Range(0, straight.Named.Count), k => !Bitwise(straight.Named[k].Param, fresh.Named[k].Param));
    }

    private static bool Bitwise(Tensor a, Tensor b) => a.detach().bytes.ToArray().SequenceEqual(b.detach().bytes.ToArray());

    [Fact]
    public void LoadingIntoADifferentOptimizerOrAMissingFileIsAUserError()
    {
        var path = Path.Combine(_dir, OptimizerState.FileName);
        using (var run = new Run(InitialWeights()))
        {
            run.Step(0);
            OptimizerState.Save(run.Optimizer, path);
        }

        var other = InitialWeights().Take(3).ToList();   // fewer groups and parameters
        using var smaller = new Run(other);
        var e = Assert.Throws<LivtException>(() => OptimizerState.Load(smaller.Optimizer, path));
        Assert.Contains(path, e.Message);

        var missing = Path.Combine(_dir, "none.safetensors");
        Assert.Contains(missing, Assert.Throws<LivtException>(() => OptimizerState.Load(smaller.Optimizer, missing)).Message);
    }

    [Fact]
    public void ResetStateEqualsANewlyBuiltOptimizers()
    {
        var init = InitialWeights();
        using var trained = new Run(init);
        for (int i = 0; i < 3; i++) trained.Step(i);
        using var fresh = new Run(init);
        string before = Path.Combine(_dir, "before.safetensors"), reset = Path.Combine(_dir, "reset.safetensors"), built = Path.Combine(_dir, "built.safetensors");
        OptimizerState.Save(trained.Optimizer, before);
        trained.Optimizer.Reset();
        OptimizerState.Save(trained.Optimizer, reset);
        OptimizerState.Save(fresh.Optimizer, built);
        Assert.False(File.ReadAllBytes(before).SequenceEqual(File.ReadAllBytes(built)));
        Assert.True(File.ReadAllBytes(reset).SequenceEqual(File.ReadAllBytes(built)), "a reset optimizer's state differs from a new one's");
    }

    [Fact]
    public void TorchSharpAdamWStateOfAnEarlierRunFolderIsConvertedOnLoad()
    {
        // Written by TorchSharp's AdamW after three steps of a tiny ViT (fixtures/optim/README.md), with the
        // weights then and after a fourth TorchSharp step.
        using var before = SafeTensors.Read(TensorAssert.Fixture("optim", "legacy_adamw_weights.safetensors"));
        using var after = SafeTensors.Read(TensorAssert.Fixture("optim", "legacy_adamw_after_step.safetensors"));
        var config = new VitConfig { ImageSize = 8, InChans = 1, PatchSize = 4, EmbedDim = 16, Depth = 2, NumHeads = 2, NumClasses = 3, GlobalPool = true };
        using var vit = new VisionTransformer(config);
        StateDictLoader.Load(vit, before.Tensors, strict: true);
        using var store = ParameterStore.Create(ParamGroups.LayerDecay(vit.named_parameters(), 2, 0.05, 0.75));
        using var optimizer = new AdamW(store, 1e-2, 0.9, 0.99);
        OptimizerState.Load(optimizer, TensorAssert.Fixture("optim", "legacy_adamw_optimizer.bin"));
        Assert.Equal(3, optimizer.Steps);

        using (torch.NewDisposeScope())
        {
            new LrSchedule(1e-2, 1e-4, 1, 4).Apply(optimizer, 1.5);
            optimizer.ZeroGrad();
            nn.functional.cross_entropy(vit.forward(after.Tensors["images"]), torch.tensor(new long[] { 0, 1, 2, 0, 1, 2 })).backward();
            optimizer.Step();
        }
        foreach (var (name, p) in vit.named_parameters())
            TensorAssert.Within(after.Tensors[name], p, 1e-6, name);
    }
}

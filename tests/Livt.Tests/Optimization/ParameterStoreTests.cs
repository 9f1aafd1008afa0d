using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Tests.Optimization;

public class ParameterStoreTests
{
    public ParameterStoreTests() => LivtRuntime.Initialize();

    private static (Sequential Model, IReadOnlyList<ParamGroupSpec> Groups) Model()
    {
        torch.manual_seed(3);
        var model = nn.Sequential(("fc", nn.Linear(4, 3)), ("norm", nn.LayerNorm(3)), ("out", nn.Linear(3, 2)));
        return (model, ParamGroups.WeightDecay(model.named_parameters(), 0.05));
    }

    [Fact]
    public void ParametersBecomeViewsOfOneBufferWithTheirValuesAndZeroGradients()
    {
        var (model, groups) = Model();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var store = ParameterStore.Create(groups);
        var buffer = Assert.Single(store.Buffers);
        Assert.Equal(model.parameters().Sum(p => p.NumberOfElements), buffer.Length);
        foreach (var (name, value) in model.state_dict()) Assert.True(value.equal(before[name]).all().item<bool>(), name);
        // Writing through the buffer is writing the parameter, and the parameter objects are the model's own.
        using (torch.no_grad()) buffer.Data.fill_(2);
        Assert.All(model.parameters(), p => Assert.True(p.eq(2).all().item<bool>()));
        Assert.All(model.parameters(), p => Assert.Equal(0, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void BackwardAccumulatesIntoTheGradientBufferAndZeroGradClearsIt()
    {
        var (model, groups) = Model();
        using var store = ParameterStore.Create(groups);
        using var x = torch.randn(5, 4);
        model.call(x).square().sum().backward();
        var buffer = store.Buffers[0];
        using var once = buffer.Grad.clone();
        Assert.NotEqual(0, once.abs().sum().item<float>());
        model.call(x).square().sum().backward();
        Assert.True(buffer.Grad.allclose(once * 2), "the second backward did not add into the buffer");
        foreach (var s in buffer.Segments)
        {
            using var slot = buffer.Slice(buffer.Grad, s);
            Assert.True(slot.equal(s.Param.grad!).all().item<bool>(), $"{s.Name}'s gradient is not its slot of the buffer");
        }
        store.ZeroGrad();
        Assert.Equal(0, buffer.Grad.abs().sum().item<float>());
    }

    [Fact]
    public void OneBufferPerDtypeOrderedByRankThenGroup()
    {
        var (model, groups) = Model();
        using var wide = nn.Linear(2, 2).to(ScalarType.Float64);
        var all = groups.Append(new ParamGroupSpec
        {
            LayerId = 0, LrScale = 0.5, WeightDecay = 0, Names = ["wide.weight", "wide.bias"], Parameters = [wide.weight!, wide.bias!],
        }).ToList();
        using var store = ParameterStore.Create(all, name => name.StartsWith("norm", StringComparison.Ordinal) ? 1 : 0);
        Assert.Equal(2, store.Buffers.Count);
        var names = store.Buffers[0].Segments.Select(s => s.Name).ToArray();
        Assert.Equal(["norm.weight", "norm.bias"], names[^2..]);
        // The no-decay group (biases) comes first in WeightDecay's groups, so its members lead within rank 0.
        Assert.Equal(["fc.bias", "out.bias", "fc.weight", "out.weight"], names[..4]);
        Assert.Equal(ScalarType.Float64, store.Buffers[1].Data.dtype);
        Assert.Equal(0.5, store.Buffers[1].UniformLrScale);
        Assert.Null(store.Buffers[1].LrScale);
        Assert.NotNull(store.Buffers[0].WeightDecay);
    }

    [Fact]
    public void ClipGradNormMatchesTorch()
    {
        var (model, groups) = Model();
        var (twin, _) = Model();
        using var store = ParameterStore.Create(groups);
        using var x = torch.randn(5, 4);
        model.call(x).square().sum().backward();
        twin.call(x).square().sum().backward();
        double expected = nn.utils.clip_grad_norm_(twin.parameters(), 0.1);
        using var norm = store.ClipGradNorm(0.1);
        Assert.Equal(expected, norm.item<float>(), 4);
        foreach (var ((name, p), (_, q)) in model.named_parameters().Zip(twin.named_parameters()))
            Assert.True(p.grad!.allclose(q.grad!, rtol: 1e-5, atol: 1e-7), name);
    }

    [Fact]
    public void AParameterInTwoGroupsOrAnEmptyModelIsRefused()
    {
        var (_, groups) = Model();
        Assert.Throws<ArgumentException>(() => ParameterStore.Create(groups.Concat(groups).ToList()));
        Assert.Throws<ArgumentException>(() => ParameterStore.Create([]));
    }
}

using Livt.Interop;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Interop;

public class StateDictLoaderTests
{
    public StateDictLoaderTests() => LivtRuntime.Initialize();

    // BatchNorm has parameters (weight, bias) and buffers (running_mean, running_var, num_batches_tracked).
    private static nn.Module Target() => nn.Sequential(("fc", nn.Linear(3, 2)), ("bn", nn.BatchNorm1d(2)));

    private static Dictionary<string, Tensor> Weights() => new()
    {
        ["fc.weight"] = torch.full(2, 3, 0.5f),
        ["fc.bias"] = torch.tensor(new[] { 1f, 2f }),
        ["bn.weight"] = torch.tensor(new[] { 3f, 4f }),
        ["bn.bias"] = torch.tensor(new[] { 5f, 6f }),
        ["bn.running_mean"] = torch.tensor(new[] { 7f, 8f }),
        ["bn.running_var"] = torch.tensor(new[] { 9f, 10f }),
        ["bn.num_batches_tracked"] = torch.tensor(11L),
    };

    [Fact]
    public void StrictLoadCopiesParametersAndBuffersConvertingDtype()
    {
        using var module = Target();
        var weights = Weights();
        weights["fc.weight"] = weights["fc.weight"].to(ScalarType.Float16);
        var report = StateDictLoader.Load(module, weights);
        Assert.True(report.IsExact);
        var state = module.state_dict();
        Assert.Equal(ScalarType.Float32, state["fc.weight"].dtype);
        Assert.Equal(0.5f, state["fc.weight"][1, 2].item<float>());
        Assert.Equal(new[] { 7f, 8f }, state["bn.running_mean"].data<float>().ToArray());
        Assert.Equal(11L, state["bn.num_batches_tracked"].item<long>());
        Assert.True(state["fc.weight"].requires_grad);
    }

    [Fact]
    public void StrictLoadListsEveryKeyAtFaultAndCopiesNothing()
    {
        using var module = Target();
        var weights = Weights();
        weights.Remove("bn.running_var");
        weights["head.weight"] = torch.zeros(1);
        weights["fc.bias"] = torch.zeros(3);
        var e = Assert.Throws<LivtException>(() => StateDictLoader.Load(module, weights, source: "ckpt.safetensors"));
        Assert.StartsWith("ckpt.safetensors:", e.Message);
        Assert.Contains("missing keys: bn.running_var", e.Message);
        Assert.Contains("unexpected keys: head.weight", e.Message);
        Assert.Contains("fc.bias: checkpoint [3] vs model [2]", e.Message);
        Assert.NotEqual(3f, module.state_dict()["bn.weight"][0].item<float>());
    }

    [Fact]
    public void NonStrictLoadReportsAndCopiesWhatMatches()
    {
        using var module = Target();
        var weights = Weights();
        weights.Remove("bn.running_var");
        weights["extra"] = torch.zeros(1);
        weights["fc.bias"] = torch.zeros(3);
        var report = StateDictLoader.Load(module, weights, strict: false);
        Assert.Equal(new[] { "bn.running_var" }, report.Missing);
        Assert.Equal(new[] { "extra" }, report.Unexpected);
        Assert.Equal(new[] { "fc.bias: checkpoint [3] vs model [2]" }, report.ShapeMismatched);
        Assert.False(report.IsExact);
        Assert.Equal(3f, module.state_dict()["bn.weight"][0].item<float>());
        Assert.NotEqual(0f, module.state_dict()["bn.running_var"][0].item<float>());
    }

    [Fact]
    public void EncoderFromMaeDropsDecoderMaskTokenAndNorm()
    {
        var mae = new Dictionary<string, Tensor>
        {
            ["cls_token"] = torch.zeros(1), ["blocks.0.norm1.weight"] = torch.zeros(1), ["norm.weight"] = torch.zeros(1),
            ["mask_token"] = torch.zeros(1), ["decoder_embed.weight"] = torch.zeros(1), ["decoder_blocks.0.mlp.fc1.bias"] = torch.zeros(1),
        };
        Assert.Equal(new[] { "blocks.0.norm1.weight", "cls_token" }, StateDictLoader.EncoderFromMae(mae).Keys.Order());
        Assert.Equal(new[] { "blocks.0.norm1.weight", "cls_token", "norm.weight" },
            StateDictLoader.EncoderFromMae(mae, globalPool: false).Keys.Order());
    }
}

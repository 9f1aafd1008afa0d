using System.Text.Json;
using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

/// <summary>The CNNs against PyTorch (LDAM-DRW's ResNet-32 transcribed, torchvision's ResNet-50) on the
/// outputs fixtures/make_resnet_fixtures.py wrote, in float64, with every tensor filled by the script's
/// formula under the PyTorch state dict's names.</summary>
public class ResNetParityTests
{
    public ResNetParityTests() => LivtRuntime.Initialize();

    [Theory]
    [InlineData(ResNetConfig.ResNet32, 1, 4)]
    [InlineData(ResNetConfig.ResNet50, 3, 3)]
    public void MatchesPyTorchInEvalAndTrainingMode(string arch, int chans, int classes)
    {
        using var io = SafeTensors.Read(TensorAssert.Fixture("resnet", $"{arch}_io.safetensors"));
        using var model = ResNet.Create(new ResNetConfig { Arch = arch, InChans = chans, NumClasses = classes, ImageSize = 32 });
        model.to(ScalarType.Float64);
        var keys = JsonSerializer.Deserialize<string[]>(io.Metadata["keys"])!;
        var weights = Filled(keys, model.state_dict());
        StateDictLoader.Load(model, weights, strict: true, source: $"{arch} (PyTorch names)");

        using var scope = torch.NewDisposeScope();
        var images = io.Tensors["images"];
        model.eval();
        using (torch.no_grad()) TensorAssert.Close(io.Tensors["eval_logits"], model.call(images), what: "eval logits");

        model.train();
        var logits = model.call(images);
        TensorAssert.Close(io.Tensors["train_logits"], logits, what: "training-mode logits");
        (logits * io.Tensors["grad_seed"]).sum().backward();
        Assert.True(TensorAssert.GradientsClose(model, io.Tensors) > 0, "no gradients in the fixture");
        var state = model.state_dict();
        foreach (var key in io.Tensors.Keys.Where(k => k.StartsWith("after.", StringComparison.Ordinal)))
            TensorAssert.Close(io.Tensors[key], state[key["after.".Length..]], what: $"{key} (running statistics after one training-mode forward)");
    }

    [Fact]
    public void ShapesAndParameterCountsAreThePapers()
    {
        using var r32 = ResNet.Create(new ResNetConfig { Arch = ResNetConfig.ResNet32, NumClasses = 10 });
        using var r50 = ResNet.Create(new ResNetConfig { Arch = ResNetConfig.ResNet50, NumClasses = 1000 });
        // He et al.: ResNet-32 0.46M parameters (CIFAR-10); torchvision's ResNet-50 25,557,032.
        Assert.Equal(464_154, r32.parameters().Sum(p => p.numel()));
        Assert.Equal(25_557_032, r50.parameters().Sum(p => p.numel()));
        using var x = torch.zeros(2, 3, 28, 28);
        using (torch.no_grad())
        {
            r32.eval();
            r50.eval();
            using var f32 = r32.ForwardFeatures(x);
            using var f50 = r50.ForwardFeatures(x);
            Assert.Equal(new long[] { 2, 64 }, f32.shape);
            Assert.Equal(new long[] { 2, 2048 }, f50.shape);
        }
    }

    /// <summary>The script's <c>fill</c>: tensor k of the sorted names, element i: sin(0.7 i + 0.3 k), scaled by kind.</summary>
    internal static Dictionary<string, Tensor> Filled(IReadOnlyList<string> sortedKeys, IReadOnlyDictionary<string, Tensor> like)
    {
        var result = new Dictionary<string, Tensor>();
        for (int k = 0; k < sortedKeys.Count; k++)
        {
            var name = sortedKeys[k];
            if (!like.TryGetValue(name, out var target))
            {
                result[name] = torch.zeros(1); // absent from the C# model: the strict load reports it
                continue;
            }
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                result[name] = torch.zeros_like(target);
                continue;
            }
            var v = (torch.arange(target.numel(), ScalarType.Float64) * 0.7 + 0.3 * k).sin().reshape(target.shape);
            if (name.EndsWith("running_var", StringComparison.Ordinal)) v = 1 + 0.5 * v.abs();
            else if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal)) v = 0.1 * v;
            else if (target.dim() == 1) v = 1 + 0.2 * v;
            else v = v * Math.Sqrt(2.0 / (target.numel() / target.shape[0]));
            result[name] = v;
        }
        return result;
    }
}

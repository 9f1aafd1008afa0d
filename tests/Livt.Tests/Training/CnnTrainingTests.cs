using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Decoupling;
using Livt.Inference;
using Livt.Interop;
using Livt.Models;
using Livt.Tests.Data;
using Livt.Tests.Models;
using Livt.Training;
using TorchSharp;

namespace Livt.Tests.Training;

/// <summary>ResNet-32 on a real Fashion-MNIST slice through every use case a ViT classifier has: fine-tuning
/// (fp32, BatchNorm statistics saved), evaluation, ONNX export checked in ONNX Runtime, and cRT.</summary>
public sealed class CnnTrainingTests : IDisposable
{
    private readonly string _root = TinyRuns.TempDir();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TrainConfig Config(JsonObject? extra = null)
    {
        var data = Path.Combine(_root, "data");
        if (!Directory.Exists(data))
        {
            Directory.CreateDirectory(data);
            FashionSlice.Write(data, train: 60, test: 20);
        }
        var o = TinyRuns.Overrides(Path.Combine(_root, "resnet32"), epochs: 2, steps: 3);
        o["data_dir"] = data;
        o["imbalance"] = 10;
        o["batch_size"] = 16;
        o["model"] = "resnet32";
        o["input_size"] = 28;
        o["loss"] = "bal-ce";
        o["lr"] = 1e-3;
        foreach (var (k, v) in extra ?? []) o[k] = v?.DeepClone();
        return ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    [Fact]
    public void ResNet32FineTunesEvaluatesExportsAndRetrainsItsHead()
    {
        var run = new FinetuneRunner(Config()).Run();
        Assert.Equal("fp32", ConfigResolver.ReadResolved(Path.Combine(run.RunDir, "config.json")).PrecisionUsed);
        var (model, meta) = ModelCheckpoint.LoadModel(run.RunDir, torch.CPU);
        using (model)
        {
            Assert.Equal(CifarResNet.FileKind, meta.Kind);
            Assert.Equal(new ResNetConfig { Arch = ResNetConfig.ResNet32, ImageSize = 28, InChans = 1, NumClasses = 10 }, meta.Model);
            // Training moved the BatchNorm statistics, and the model file carries them.
            var state = model.state_dict();
            Assert.True(state["bn1.num_batches_tracked"].item<long>() > 0);
            Assert.True(state["layer3.4.bn2.running_var"].sub(1).abs().max().item<float>() > 1e-3);
        }
        Assert.NotNull(run.ReportPath);

        var onnx = OnnxExport.Run(run.RunDir, Path.Combine(_root, "resnet32.onnx"));
        Assert.True(onnx.MaxAbsDiff < 1e-3, $"ONNX Runtime differs by {onnx.MaxAbsDiff}");

        var crt = new RetrainHeadRunner(new RetrainHeadOptions
        {
            Init = run.RunDir, Method = "crt", Out = Path.Combine(_root, "crt"), Epochs = 1, BatchSize = 16, Threads = 2, Workers = 2,
        }).Run();
        using var before = SafeTensors.Read(run.ModelPath);
        using var after = SafeTensors.Read(crt.ModelPath);
        Assert.Equal(before.Tensors.Keys.Order(), after.Tensors.Keys.Order());
        foreach (var (name, tensor) in before.Tensors)
            Assert.Equal(name.StartsWith("linear.", StringComparison.Ordinal), !TensorAssert.BitEqual(tensor, after.Tensors[name]));
    }

    [Fact]
    public void CnnRefusesWhatNeedsAViT()
    {
        Assert.Contains("fp32 only", Assert.Throws<LivtException>(() => new FinetuneRunner(Config(new JsonObject { ["precision"] = "bf16" }))).Message);
        Assert.Contains("needs a ViT", Assert.Throws<LivtException>(() => new FinetuneRunner(Config(new JsonObject { ["loss"] = "sade" }))).Message);
        Assert.Contains("is a CNN", Assert.Throws<LivtException>(() =>
            ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), new JsonObject { ["model"] = "resnet32" })).Message);
    }
}

using Livt.Data;
using Livt.Inference;
using Livt.Interop;
using Livt.Models;
using Livt.Tests.Models;
using Livt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>Official-style .pth files in the user's journeys: fine-tuning from an MAE checkpoint, and
/// evaluating or predicting with a classifier state dict that has no Livt metadata.</summary>
public class PthCheckpointTests
{
    private static string Pth(string name) => TensorAssert.Fixture("pth", name);

    [Fact]
    public void ClassifierStateDictLoadsWithInferredShapeAndReproducesPyTorch()
    {
        var (model, meta) = ModelCheckpoint.LoadClassifier(Pth("vit_state_dict.pth"), CPU, new RawCheckpointOptions { NumHeads = 2 });
        using (model)
        {
            Assert.Equal(new VitConfigShape(28, 1, 7, 32, 2, 2, 10, true), VitConfigShape.Of(Assert.IsType<VitConfig>(meta.Model)));
            var (mean, std) = Normalization.ImageNet(1);
            Assert.Equal(mean, meta.Mean);
            Assert.Equal(std, meta.Std);
            Assert.Contains("no Livt metadata", meta.Inferred);
            using var io = SafeTensors.Read(Pth("vit_expected.safetensors"));
            using var noGrad = torch.no_grad();
            // float32 on both sides, computed by two libtorch builds: rounding differs at ~1e-5.
            TensorAssert.Close(io.Tensors["logits"], model.forward(io.Tensors["images"]), rtol: 1e-4, what: "logits");
        }
    }

    [Fact]
    public void OfficialCheckpointsAreNormalisedWithTheConstantsOfLivtsCode()
    {
        // 3 channels and 1000 classes: the shape of LiVT's released ImageNet-LT classifiers, which its
        // util/datasets.py normalises with ImageNet-LT's own statistics.
        var pth = Pth("official_1000_classes.pth");
        var heads = new RawCheckpointOptions { NumHeads = 2 }; // D4 is no timm width
        var (model, meta) = ModelCheckpoint.LoadClassifier(pth, CPU, heads);
        model.Dispose();
        Assert.Equal([0.479672f, 0.457713f, 0.407721f], meta.Mean);
        Assert.Equal([0.278976f, 0.271203f, 0.286062f], meta.Std);
        Assert.Equal("imagenet-lt", meta.Normalization);
        Assert.Contains("imagenet-lt", meta.Inferred);
        var saved = ModelMetadata.FromSafeTensorsMetadata(meta.ToSafeTensorsMetadata(), "round trip");
        Assert.Equal(meta.Normalization, saved.Normalization);
        Assert.Equal(meta.Mean, saved.Mean);

        // Named: iNaturalist 2018's; --mean/--std win over the name; an unknown name lists the known ones.
        var (inatModel, inat) = ModelCheckpoint.LoadClassifier(pth, CPU, heads with { Normalization = "iNat18" });
        inatModel.Dispose();
        Assert.Equal([0.466f, 0.471f, 0.380f], inat.Mean);
        Assert.Equal([0.195f, 0.194f, 0.192f], inat.Std);
        Assert.Equal("inat18", inat.Normalization);
        var (givenModel, given) = ModelCheckpoint.LoadClassifier(pth, CPU, heads with { Normalization = "inat18", Mean = [0.5f, 0.5f, 0.5f], Std = [0.25f, 0.25f, 0.25f] });
        givenModel.Dispose();
        Assert.Equal([0.5f, 0.5f, 0.5f], given.Mean);
        Assert.Equal([0.25f, 0.25f, 0.25f], given.Std);
        Assert.Null(given.Normalization);
        var unknown = Assert.Throws<LivtException>(() => ModelCheckpoint.LoadClassifier(pth, CPU, heads with { Normalization = "mnist" }));
        Assert.Contains("imagenet-lt, inat18", unknown.Message);

        // export normalises inside the graph with the same constants (and checks it against the model).
        var onnx = OnnxExport.Run(pth, Path.Combine(TinyRuns.TempDir(), "official.onnx"), raw: heads);
        Assert.Equal(meta.Mean, onnx.Info.Mean);
        Assert.Equal(meta.Std, onnx.Info.Std);
        Assert.Contains("imagenet-lt", onnx.Inferred);
    }

    [Fact]
    public void EvaluatingAPthTakesClassesFromTheDataset()
    {
        var dir = TinyRuns.TempDir();
        var raw = new RawCheckpointOptions { NumHeads = 2, Normalization = "inat18" };
        var options = new EvaluateOptions { Checkpoint = Pth("vit_state_dict.pth"), Out = dir, Workers = 2, Threads = 2, Raw = raw };
        var none = Assert.Throws<LivtException>(() => EvaluationRun.Run(options));
        Assert.Contains("--dataset", none.Message);

        var messages = new RecordingObserver();
        var (result, report) = EvaluationRun.Run(options with { Dataset = "fashion-mnist-lt", TestPrior = "train", BatchSize = 512 }, messages);
        Assert.True(File.Exists(report));
        Assert.Equal(DatasetCatalog.FashionMnistClasses, result.ClassNames);
        Assert.Equal(6000, result.ClassCounts[0]);
        Assert.Contains(messages.Messages, m => m.Contains("2 heads given"));
        // A grey-scale model gets the channel average of the named constants.
        Assert.Contains(messages.Messages, m => m.Contains("mean [0.439], std [0.193667]") && m.Contains("inat18"));
    }

    [Fact]
    public void FinetuningStartsFromTheMaePthEncoder()
    {
        // The reader's tensors equal the converted file's (PyTorchCheckpointTests); here the fine-tuning
        // path takes the .pth and starts from its encoder: one warm-up step barely moves the weights.
        var run = new FinetuneRunner(TinyRuns.Finetune(TinyRuns.TempDir(), init: Pth("mae_checkpoint.pth"), epochs: 1, steps: 1)).Run();
        using var tuned = SafeTensors.Read(run.ModelPath);
        using var mae = SafeTensors.Read(Pth("mae_checkpoint.safetensors"));
        var encoder = mae.Tensors.Keys.Where(k => !k.StartsWith("decoder_", StringComparison.Ordinal) && k != "mask_token" && !k.StartsWith("norm.", StringComparison.Ordinal)).ToList();
        Assert.Equal(tuned.Tensors.Keys.Where(k => !k.StartsWith("head.", StringComparison.Ordinal) && !k.StartsWith("fc_norm.", StringComparison.Ordinal)).Order(), encoder.Order());
        foreach (var name in encoder)
        {
            var moved = (tuned.Tensors[name] - mae.Tensors[name]).abs().max().item<float>();
            Assert.True(moved < 0.01, $"'{name}' is {moved} away from the MAE checkpoint's: the encoder was not loaded from it");
        }
    }

    private sealed record VitConfigShape(int ImageSize, int InChans, int PatchSize, int EmbedDim, int Depth, int NumHeads, int NumClasses, bool GlobalPool)
    {
        public static VitConfigShape Of(Livt.Models.VitConfig c) =>
            new(c.ImageSize, c.InChans, c.PatchSize, c.EmbedDim, c.Depth, c.NumHeads, c.NumClasses, c.GlobalPool);
    }
}

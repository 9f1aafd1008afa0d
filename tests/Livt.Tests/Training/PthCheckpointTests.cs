using Livt.Data;
using Livt.Interop;
using Livt.Models;
using Livt.Tests.Models;
using Livt.Engine;
using Livt.Inference;
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
    public void EvaluatingAPthTakesClassesFromTheDataset()
    {
        var dir = TinyRuns.TempDir();
        var raw = new RawCheckpointOptions { NumHeads = 2 };
        var none = Assert.Throws<LivtException>(() => EvaluationRun.Run(Pth("vit_state_dict.pth"), null, null, null, 1, dir, "cpu", 256, 2, 2, raw));
        Assert.Contains("--dataset", none.Message);

        var messages = new RecordingObserver();
        var (result, report) = EvaluationRun.Run(Pth("vit_state_dict.pth"), new DatasetOptions(), null, "train", 1, dir, "cpu", 512, 2, 2, raw, messages);
        Assert.True(File.Exists(report));
        Assert.Equal(DatasetCatalog.FashionMnistClasses, result.ClassNames);
        Assert.Equal(6000, result.ClassCounts[0]);
        Assert.Contains(messages.Messages, m => m.Contains("2 heads given"));
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

using Livt.Interop;
using Livt.Tests.Models;
using Livt.Training;

namespace Livt.Tests.Training;

/// <summary>The quick start's three stages, on a tiny model and a few steps of the real Fashion-MNIST-LT.</summary>
public class QuickStartTests
{
    [Fact]
    public void EndsWithCrtOnTheFrozenFineTunedEncoderAndKeepsLiVTsReport()
    {
        var dir = TinyRuns.TempDir();
        try
        {
            var common = TinyRuns.Overrides(dir, epochs: 1, steps: 3);
            common.Remove("out");
            var result = QuickStart.Run(dir, common, pretrain: null, finetune: null);

            Assert.Equal(Path.Combine(dir, QuickStart.SecondStageFolder), result.RunDir);
            Assert.True(File.Exists(Path.Combine(dir, "finetune", "report.json")), "the fine-tuning (LiVT) report is gone");
            Assert.True(File.Exists(result.ReportPath), "no cRT report");
            using var finetuned = SafeTensors.Read(Path.Combine(dir, "finetune", ModelCheckpoint.FileName));
            using var crt = SafeTensors.Read(result.ModelPath);
            Assert.Equal(finetuned.Tensors.Keys.Order(), crt.Tensors.Keys.Order());
            foreach (var (name, tensor) in finetuned.Tensors)
                if (!name.StartsWith("head.", StringComparison.Ordinal))
                    Assert.True(TensorAssert.BitEqual(tensor, crt.Tensors[name]), $"{name} changed");
            Assert.False(TensorAssert.BitEqual(finetuned.Tensors["head.weight"], crt.Tensors["head.weight"]), "cRT left the head as it was");
            Assert.Equal("class-balanced", ModelMetadata.FromSafeTensorsMetadata(crt.Metadata, result.ModelPath).Sampler);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AMultiExpertQuickStartEndsWithItsFineTunedExperts()
    {
        var dir = TinyRuns.TempDir();
        try
        {
            var common = TinyRuns.Overrides(dir, epochs: 1, steps: 2);
            common.Remove("out");
            var result = QuickStart.Run(dir, common, pretrain: null, finetune: new System.Text.Json.Nodes.JsonObject { ["loss"] = "sade", ["expert_blocks"] = 1 });

            // cRT retrains a single head, so a SADE quick start stops after fine-tuning instead of failing there.
            Assert.Equal(Path.Combine(dir, "finetune"), result.RunDir);
            Assert.True(File.Exists(result.ReportPath), "no fine-tuning report");
            Assert.False(Directory.Exists(Path.Combine(dir, QuickStart.SecondStageFolder)), "cRT ran on a multi-expert model");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

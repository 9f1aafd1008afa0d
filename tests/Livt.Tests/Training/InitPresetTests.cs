using Livt.Interop;
using Livt.Models;

namespace Livt.Tests.Training;

/// <summary><c>livt finetune --init CHECKPOINT</c> without --config or --model trains the ViT the
/// checkpoint holds.</summary>
public class InitPresetTests
{
    [Fact]
    public void AnEncoderWithoutMetadataGetsThePresetOfItsShapes()
    {
        var path = Path.Combine(TinyRuns.TempDir(), "mae.safetensors");
        using (var mae = new MaskedAutoencoder(ModelPresets.Get(ModelPresets.QuickStart)))
            SafeTensors.Write(path, mae.state_dict());
        var (preset, why) = Livt.Training.InitPreset.For(path);
        Assert.Equal(ModelPresets.QuickStart, preset);
        Assert.Contains("D128, depth 6, patch 4", why);
    }

    [Fact]
    public void AnEncoderNoPresetHasIsRefusedWithTheFlagsToGive()
    {
        // The official-format MAE fixture: D32, depth 2, patch 4.
        var pth = Models.TensorAssert.Fixture("pth", "mae_checkpoint.pth");
        var e = Assert.Throws<LivtException>(() => Livt.Training.InitPreset.For(pth));
        Assert.Contains("D32, depth 2, patch 4", e.Message);
        Assert.Contains("--config", e.Message);
        var (code, _, stderr) = CliErrorTests.Livt("finetune", "--init", pth, "--out", TinyRuns.TempDir());
        Assert.Equal(1, code);
        Assert.Contains("--model", stderr);
    }
}

using Livt.Interop;
using Livt.Models;
using Livt.Tests.Models;
using Livt.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Interop;

/// <summary>CNN weights without Livt's metadata (PyTorch's state dict, as LDAM-DRW or torchvision save it) load
/// with the architecture read from their names and shapes.</summary>
public class ResNetShapeTests
{
    [Fact]
    public void Resnet32StateDictWithoutMetadataLoadsAndPredictsAsTheModel()
    {
        var dir = TinyRuns.TempDir();
        try
        {
            using var model = ResNet.Create(new ResNetConfig { Arch = ResNetConfig.ResNet32, InChans = 3, NumClasses = 7 });
            var path = Path.Combine(dir, "resnet32.safetensors");
            SafeTensors.Write(path, model.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
            var (loaded, meta) = ModelCheckpoint.LoadClassifier(path, CPU);
            using (loaded)
            {
                Assert.Equal(CifarResNet.FileKind, meta.Kind);
                Assert.Equal(new ResNetConfig { Arch = ResNetConfig.ResNet32, ImageSize = 32, InChans = 3, NumClasses = 7 }, meta.Model);
                Assert.Contains("resnet32 from the names and shapes", meta.Inferred);
                using var x = torch.randn(2, 3, 32, 32);
                model.eval();
                using var noGrad = torch.no_grad();
                Assert.True(TensorAssert.BitEqual(model.call(x), loaded.call(x)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OtherDepthsAreRefusedWithWhatLivtHas()
    {
        using var model = ResNet.Create(new ResNetConfig { Arch = ResNetConfig.ResNet32, NumClasses = 2 });
        var weights = model.state_dict().Where(kv => !kv.Key.StartsWith("layer3.4.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.True(ResNetShape.Describes(weights));
        var e = Assert.Throws<LivtException>(() => ResNetShape.Infer(weights, "r30.pth"));
        Assert.Contains("[5, 5, 4, 0]", e.Message);
    }
}

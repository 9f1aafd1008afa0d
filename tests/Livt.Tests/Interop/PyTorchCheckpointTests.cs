using Livt.Interop;
using Livt.Tests.Models;

namespace Livt.Tests.Interop;

/// <summary>
/// Real files made by torch.save (fixtures/pth/make_pth_fixtures.py): what reads must equal what
/// tools/pth_to_safetensors.py converted from the same file; what cannot be read must fail with a
/// message that names the file and the way out, and a pickle that tries to run code must not run it.
/// </summary>
public class PyTorchCheckpointTests
{
    // make_pth_fixtures.py's Payload would create this file if the pickle's os.system call ran.
    private const string PayloadMarker = "/tmp/livt-pth-fixture-payload-ran";

    private static string Pth(string name) => TensorAssert.Fixture("pth", name);

    private static void AssertSameTensors(string pth, string converted)
    {
        using var actual = WeightsFile.Open(Pth(pth));
        using var expected = SafeTensors.Read(Pth(converted));
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach (var (name, e) in expected.Tensors)
        {
            var a = actual.Tensors[name];
            Assert.Equal(e.dtype, a.dtype);
            Assert.Equal(e.shape, a.shape);
            Assert.True(e.allclose(a, 0, 0), $"{pth}: tensor '{name}' differs from the converted file");
        }
    }

    [Fact]
    public void PlainStateDictEqualsItsConversion() => AssertSameTensors("vit_state_dict.pth", "vit_state_dict.safetensors");

    [Fact]
    public void MaeCheckpointDictYieldsItsModelOnly()
    {
        AssertSameTensors("mae_checkpoint.pth", "mae_checkpoint.safetensors");
        using var file = WeightsFile.Open(Pth("mae_checkpoint.pth"));
        Assert.Contains("decoder_pred.weight", file.Tensors.Keys);
        Assert.Contains("mask_token", file.Tensors.Keys);
        Assert.DoesNotContain(file.Tensors.Keys, k => k.StartsWith("state", StringComparison.Ordinal) || k.Contains("exp_avg"));
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void DataParallelPrefixIsRemovedUnderStateDictKey()
    {
        AssertSameTensors("ddp_state_dict.pth", "ddp_state_dict.safetensors");
        using var file = WeightsFile.Open(Pth("ddp_state_dict.pth"));
        Assert.DoesNotContain(file.Tensors.Keys, k => k.StartsWith("module.", StringComparison.Ordinal));
    }

    [Fact]
    public void SafetensorsStillOpensThroughTheSameEntryPoint()
    {
        using var file = WeightsFile.Open(Pth("vit_state_dict.safetensors"));
        Assert.IsType<SafeTensorsFile>(file);
        Assert.Equal("vit_state_dict.pth", file.Metadata["source"]);
    }

    [Fact]
    public void PickleThatCallsOsSystemFailsWithoutRunningIt()
    {
        File.Delete(PayloadMarker);
        var e = Assert.Throws<LivtException>(() => WeightsFile.Open(Pth("malicious.pth")));
        Assert.Contains("malicious.pth", e.Message);
        Assert.Contains("posix.system", e.Message);
        Assert.Contains("tools/pth_to_safetensors.py", e.Message);
        Assert.False(File.Exists(PayloadMarker), "the pickle's payload ran");
    }

    [Theory]
    [InlineData("legacy.pth", "legacy non-zip format")]
    [InlineData("offset_view.pth", "view into a larger storage")]
    [InlineData("noncontiguous.pth", "non-contiguous strides")]
    [InlineData("whole_model.pth", "torch.save(model.state_dict()")]
    public void UnreadableCheckpointsSayWhyAndHowToConvert(string name, string why)
    {
        var e = Assert.Throws<LivtException>(() => WeightsFile.Open(Pth(name)));
        Assert.StartsWith(Pth(name) + ": ", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains($"python3 tools/pth_to_safetensors.py {Pth(name)}", e.Message);
    }

    [Fact]
    public void FileThatIsNeitherFormatIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"livt-not-a-checkpoint-{Guid.NewGuid():N}.pth");
        File.WriteAllText(path, "not a checkpoint at all");
        try
        {
            var e = Assert.Throws<LivtException>(() => WeightsFile.Open(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("neither a PyTorch checkpoint", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Text;
using Livt.Interop;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Interop;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("livt-st-").FullName;

    public SafeTensorsTests() => LivtRuntime.Initialize();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void RoundTripsEveryCommonDtypeAndTheMetadata()
    {
        using var scope = torch.NewDisposeScope();
        var values = torch.tensor(new[] { -1.5f, 0f, 0.25f, 3f, 1024f, -7.75f }).reshape(2, 3);
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = values,
            ["f16"] = values.to(ScalarType.Float16),
            ["bf16"] = values.to(ScalarType.BFloat16),
            ["f64"] = values.to(ScalarType.Float64) / 3,
            ["i64"] = torch.tensor(new[] { long.MinValue, -1L, 0L, long.MaxValue }),
            ["scalar"] = torch.tensor(2.5f),
            ["empty"] = torch.zeros(0, 4),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\"" };
        var path = PathOf("all.safetensors");
        SafeTensors.Write(path, tensors, metadata);

        using var file = SafeTensors.Read(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Keys.Order(), file.Tensors.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            var actual = file.Tensors[name];
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.to(ScalarType.Float64).allclose(actual.to(ScalarType.Float64), 0, 0), name);
        }
        Assert.Equal(long.MaxValue, file.Tensors["i64"][3].item<long>());
        Assert.Equal(0, BitConverter.ToInt64(File.ReadAllBytes(path), 0) % 8); // data section 8-byte aligned
    }

    [Fact]
    public void ReadsTheCommittedPyTorchFixtures()
    {
        using var file = SafeTensors.Read(Livt.Tests.Models.TensorAssert.Fixture("models", "vit_tiny_weights.safetensors"));
        Assert.Equal(new long[] { 32, 3, 4, 4 }, file.Tensors["patch_embed.proj.weight"].shape);
        Assert.Equal("tests/Livt.Tests/fixtures/make_model_fixtures.py", file.Metadata["source"]);
    }

    private string Valid()
    {
        var path = PathOf("valid.safetensors");
        using var t = torch.arange(16, dtype: ScalarType.Float32);
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["w"] = t });
        return path;
    }

    private string RawFile(string headerJson, int dataBytes = 0, long? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var path = PathOf("raw.safetensors");
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes(declaredLength ?? header.Length));
        fs.Write(header);
        fs.Write(new byte[dataBytes]);
        return path;
    }

    private static void AssertRejected(string path, params string[] fragments)
    {
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void TruncatedFileIsRejected()
    {
        var path = Valid();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        AssertRejected(path, "'w'", "truncated");
        File.WriteAllBytes(path, bytes[..5]);
        AssertRejected(path, "5 bytes");
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejectedWithoutAllocatingIt()
    {
        AssertRejected(RawFile("{}", declaredLength: long.MaxValue / 2), "header length");
        AssertRejected(RawFile("{}", declaredLength: 1000), "header length 1000");
        AssertRejected(RawFile("{}", declaredLength: -5), "header length -5");
    }

    [Fact]
    public void BadJsonIsRejected()
    {
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F32\", "), "JSON");
        AssertRejected(RawFile("[1, 2, 3]"), "not a JSON object");
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F32\"}}"), "'w'", "data_offsets");
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [\"0\", \"4\"]}}", 4), "'w'", "data_offsets");
    }

    [Fact]
    public void UnknownDtypeIsRejected() =>
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1), "F8_E4M3", "supported");

    [Fact]
    public void ImpossibleShapesAndDuplicateNamesAreRejected()
    {
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 4]}}", 4), "'w'");
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4), "need 8");
        AssertRejected(RawFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4), "twice");
    }

    [Fact]
    public void AFlippedBitInATensorIsDetected()
    {
        var path = Valid();
        var bytes = File.ReadAllBytes(path);
        bytes[^7] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "SHA-256", "damaged");
    }

    [Fact]
    public void InvalidUtf8InTheHeaderIsAFormatError()
    {
        var path = Valid();
        var bytes = File.ReadAllBytes(path);
        int quote = Array.IndexOf(bytes, (byte)'"', 8);
        bytes[quote + 1] = 0xC3; // a lead byte followed by an ASCII letter
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "UTF-8");
    }
}

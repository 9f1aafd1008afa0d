using Google.Protobuf;
using Livt.Inference;
using Livt.Interop.Onnx;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Evaluation;
using Onnx;
using static Livt.Tests.Interop.OnnxFixtures;

namespace Livt.Tests.Interop;

/// <summary>What an exported file holds (metadata, layout) and clear errors on files that are not one.</summary>
public class OnnxModelFileTests
{
    [Fact]
    public void MetadataRoundTripsThroughTheFile()
    {
        using var dir = new TempDir();
        var config = ModelPresets.Get(ModelPresets.QuickStart);
        using var model = RandomModel(config);
        var result = OnnxExport.Run(SaveCheckpoint(model, dir.Path, "bal-bce"), dir.File("m.onnx"), "uniform", 0.5);

        using var ort = OnnxClassifier.Open(result.Path);
        var info = ort.Info;
        Assert.Equal(Livt.Data.DatasetCatalog.FashionMnistClasses, info.ClassNames);
        Assert.Equal((28, 1), (info.InputSize, info.InChans));
        Assert.Equal(Mean, info.Mean);
        Assert.Equal(Std, info.Std);
        Assert.Equal((0.875, "bicubic"), (info.CropPct, info.Interpolation));
        Assert.Equal(("uniform", 0.5), (info.TestPrior, info.Tau));
        Assert.Equal(("bal-bce", "fashion-mnist-lt"), (info.Loss, info.Dataset));
        Assert.Equal(LivtRuntime.Version, info.LivtVersion);
        Assert.NotEmpty(info.LivtVersion);
        Assert.Equal(result.Info.ToMetadataProps(), OnnxModelInfo.FromMetadataProps(result.Info.ToMetadataProps(), "x").ToMetadataProps());

        // The layout docs/DEPLOY.md describes: opset 17, a symbolic batch, weights under checkpoint names.
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.Path));
        Assert.Equal(VitOnnxExporter.Opset, proto.OpsetImport.Single().Version);
        Assert.Equal("batch", proto.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(["logits", "probabilities"], proto.Graph.Output.Select(o => o.Name));
        var names = proto.Graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var name in new[] { "patch_embed.proj.weight", "cls_token", "pos_embed", "blocks.5.attn.qkv.weight.T", "blocks.5.mlp.fc2.bias", "fc_norm.weight", "head.weight.T", "prior.offset", "normalize.mean" })
            Assert.Contains(name, names);
        Assert.Equal(new long[] { 128, 384 }, proto.Graph.Initializer.Single(t => t.Name == "blocks.0.attn.qkv.weight.T").Dims);
        Assert.Equal("livt", proto.ProducerName);
    }

    [Fact]
    public void MissingFilesAndBadNamesAreClearErrors()
    {
        var e = Assert.Throws<LivtException>(() => OnnxClassifier.Open("/nonexistent/model.onnx"));
        Assert.Equal("/nonexistent/model.onnx: ONNX model file not found", e.Message);
        e = Assert.Throws<LivtException>(() => OnnxExport.Run("/nonexistent/run", "/tmp/model.onnx"));
        Assert.Equal("/nonexistent/run: checkpoint file not found", e.Message);
        e = Assert.Throws<LivtException>(() => OnnxExport.Run("/nonexistent/run", "/tmp/model.bin"));
        Assert.StartsWith("--onnx /tmp/model.bin: the file name must end in .onnx", e.Message);
    }

    [Fact]
    public void MalformedFilesAreClearErrors()
    {
        using var dir = new TempDir();
        var config = ModelPresets.Get(ModelPresets.QuickStart);
        using var model = RandomModel(config);
        var good = VitOnnxExporter.Build(model, Info(config));
        var bytes = good.ToByteArray();

        var garbage = dir.File("garbage.onnx");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 251)).ToArray());
        var truncated = dir.File("truncated.onnx");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        foreach (var path in new[] { garbage, truncated })
        {
            var e = Assert.Throws<LivtException>(() => OnnxClassifier.Open(path));
            Assert.StartsWith($"{path}: not an ONNX model that ONNX Runtime can run:", e.Message);
        }
    }

    [Fact]
    public void ModelsNotWrittenByLivtAreClearErrors()
    {
        using var dir = new TempDir();
        var config = ModelPresets.Get(ModelPresets.QuickStart);
        using var model = RandomModel(config);

        // A valid ONNX classifier without Livt's metadata.
        var bare = VitOnnxExporter.Build(model, Info(config));
        bare.MetadataProps.Clear();
        var e = Assert.Throws<LivtException>(() => Load(bare, dir.File("bare.onnx")));
        Assert.Contains("bare.onnx: no 'livt.version' in the model's metadata_props: not a classifier written by livt export", e.Message);

        // Unreadable metadata values name the key.
        var broken = VitOnnxExporter.Build(model, Info(config));
        broken.MetadataProps.Single(p => p.Key == "livt.class_names").Value = "[\"T-shirt\",";
        e = Assert.Throws<LivtException>(() => Load(broken, dir.File("broken.onnx")));
        Assert.Contains("broken.onnx: metadata_props 'livt.class_names'", e.Message);

        // Metadata that does not describe the graph: a 32-px input claimed for a 28-px graph.
        var lying = VitOnnxExporter.Build(model, Info(config));
        lying.MetadataProps.Single(p => p.Key == "livt.input_size").Value = "32";
        e = Assert.Throws<LivtException>(() => Load(lying, dir.File("lying.onnx")));
        Assert.Contains("lying.onnx: the graph has no input 'image' of shape [N, 1, 32, 32]", e.Message);

        // An opset this ONNX Runtime does not know.
        var future = VitOnnxExporter.Build(model, Info(config));
        future.OpsetImport.Single().Version = 99;
        e = Assert.Throws<LivtException>(() => Load(future, dir.File("future.onnx")));
        Assert.Contains("future.onnx: not an ONNX model that ONNX Runtime can run:", e.Message);
    }

    private static OnnxClassifier Load(ModelProto model, string path)
    {
        File.WriteAllBytes(path, model.ToByteArray());
        return OnnxClassifier.Open(path);
    }
}

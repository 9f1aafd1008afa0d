using Google.Protobuf;
using Livt.Augmentation;
using Livt.Inference;
using Livt.Interop.Onnx;
using Livt.Models;
using Livt.Runtime;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary>
/// <c>bench infer --engine onnxruntime</c>: the benchmark's model exported in memory and run by ONNX
/// Runtime (CPU, as many intra-op threads as libtorch has) on the same batches as TorchSharp.
/// </summary>
internal sealed class OnnxRuntimeInference : IDisposable
{
    private readonly OnnxClassifier _classifier;
    private readonly int _classes;

    /// <summary>Exports <paramref name="model"/> (normalisation with <paramref name="mean"/>/<paramref name="std"/>
    /// inside the graph) and opens an ONNX Runtime session on it.</summary>
    public OnnxRuntimeInference(VisionTransformer model, float[] mean, float[] std, int threads)
    {
        var c = model.Config;
        _classes = c.NumClasses;
        var info = new OnnxModelInfo
        {
            ClassNames = Enumerable.Range(0, c.NumClasses).Select(i => $"class {i}").ToArray(),
            InputSize = c.ImageSize, InChans = c.InChans, Mean = mean, Std = std, CropPct = TransformPipelines.DefaultCropPct(c.ImageSize),
                LivtVersion = LivtRuntime.Version,
        };
        _classifier = OnnxClassifier.Load(VitOnnxExporter.Build(model, info).ToByteArray(), "bench model", threads);
    }

    /// <summary>ONNX Runtime's version.</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <summary>Logits [N, classes] for a batch. The batch is copied to managed memory first, as a caller
    /// of ONNX Runtime holds its pixels; with the real loader the batch is already normalised and the
    /// graph normalises again: the values differ, the work is what a deployment does.</summary>
    public Tensor Forward(Tensor images)
    {
        int n = (int)images.shape[0];
        var pixels = images.cpu().contiguous().data<float>().ToArray();
        var (logits, _) = _classifier.Run(pixels, n);
        return torch.tensor(logits, [n, _classes]);
    }

    /// <summary>The TorchSharp result with ONNX Runtime's throughput beside it (<c>--engine both</c>).</summary>
    public static BenchResult Combine(BenchResult torchSharp, BenchResult onnxRuntime) => torchSharp with
    {
        Engine = "both",
        OnnxRuntime = new EngineThroughput(onnxRuntime.ImagesPerSecond, onnxRuntime.ImagesPerSecondMin, onnxRuntime.ImagesPerSecondMax,
            onnxRuntime.BareImagesPerSecond, onnxRuntime.ImagesPerSecond / torchSharp.ImagesPerSecond),
        Versions = onnxRuntime.Versions,
    };

    public void Dispose() => _classifier.Dispose();
}

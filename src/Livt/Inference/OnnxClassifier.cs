using Livt.Augmentation;
using Livt.Data;
using Livt.Interop.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Livt.Inference;

/// <summary>
/// A classifier exported by <c>livt export --onnx</c>, run by ONNX Runtime (CPU): reads the class names
/// and preprocessing from the model's <c>metadata_props</c>, resizes and centre-crops images as Livt's
/// evaluation transform does (normalisation is inside the graph) and returns logits or top-k classes.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private const int BatchSize = 64;

    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly ResizeCenterCrop _resize;
    private readonly string[] _outputs = [OnnxModelInfo.LogitsName, OnnxModelInfo.ProbabilitiesName];

    private OnnxClassifier(InferenceSession session, string source)
    {
        _session = session;
        Source = source;
        Info = OnnxModelInfo.FromMetadataProps(session.ModelMetadata.CustomMetadataMap, source);
        int[] expected = [-1, Info.InChans, Info.InputSize, Info.InputSize];
        if (!session.InputMetadata.TryGetValue(OnnxModelInfo.InputName, out var input) || !input.Dimensions.SequenceEqual(expected))
            throw new LivtException($"{source}: the graph has no input '{OnnxModelInfo.InputName}' of shape [N, {Info.InChans}, {Info.InputSize}, " +
                $"{Info.InputSize}] as its metadata says");
        foreach (var name in _outputs)
            if (!session.OutputMetadata.TryGetValue(name, out var output) || output.Dimensions.LastOrDefault() != Info.ClassNames.Length)
                throw new LivtException($"{source}: the graph has no output '{name}' of {Info.ClassNames.Length} classes as its metadata says");
        _resize = new ResizeCenterCrop(Info.InputSize, Info.CropPct, Interpolation.Bicubic);
    }

    /// <summary>Class names, input size, normalisation and baked prior, from the model's metadata.</summary>
    public OnnxModelInfo Info { get; }

    /// <summary>The file (or description) the model came from.</summary>
    public string Source { get; }

    /// <summary>True for a path that names an ONNX model (extension <c>.onnx</c>).</summary>
    public static bool IsOnnxFile(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads an exported model file.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <param name="threads">ONNX Runtime intra-op threads; 0 = its default (one per physical core).</param>
    /// <exception cref="LivtException">The file is missing, not a model ONNX Runtime can run, or not a
    /// classifier written by <c>livt export</c>.</exception>
    public static OnnxClassifier Open(string path, int threads = 0)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: ONNX model file not found");
        return Create(options => new InferenceSession(path, options), path, threads);
    }

    /// <summary>Loads a model from its serialised bytes; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="LivtException">As <see cref="Open"/>.</exception>
    public static OnnxClassifier Load(byte[] model, string source, int threads = 0) =>
        Create(options => new InferenceSession(model, options), source, threads);

    private static OnnxClassifier Create(Func<SessionOptions, InferenceSession> open, string source, int threads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        InferenceSession session;
        try
        {
            session = open(options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new LivtException($"{source}: not an ONNX model that ONNX Runtime can run: {e.Message}", e);
        }
        try
        {
            return new OnnxClassifier(session, source);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the graph on <paramref name="count"/> images.</summary>
    /// <param name="images">[count, C, H, W] floats in [0, 1], row-major.</param>
    /// <param name="count">Number of images.</param>
    /// <returns>Logits and probabilities, each [count, classes] row-major.</returns>
    public (float[] Logits, float[] Probabilities) Run(float[] images, int count)
    {
        long[] shape = [count, Info.InChans, Info.InputSize, Info.InputSize];
        if (images.LongLength != shape.Aggregate(1L, (a, d) => a * d))
            throw new ArgumentException($"{images.Length} values for a batch of shape [{string.Join(", ", shape)}]", nameof(images));
        using var input = OrtValue.CreateTensorValueFromMemory(images, shape);
        using var outputs = _session.Run(_run, [OnnxModelInfo.InputName], [input], _outputs);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>Decodes an image file and resizes and centre-crops it to the model's input, as Livt's
    /// evaluation transform does before normalising.</summary>
    /// <exception cref="LivtException">The file is missing or not a decodable image.</exception>
    public Image Preprocess(string path) => _resize.Apply(ImageDecoder.DecodeFile(path, Info.InChans), new Random(0));

    /// <summary>The top <paramref name="topK"/> classes of each image file, highest probability first.</summary>
    /// <exception cref="LivtException">An image is missing or undecodable, or <paramref name="topK"/> &lt; 1.</exception>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<string> files, int topK)
    {
        if (topK < 1) throw new LivtException($"--top-k {topK}: must be at least 1");
        int classes = Info.ClassNames.Length, k = Math.Min(topK, classes);
        var results = new List<Prediction>(files.Count);
        foreach (var chunk in files.Chunk(BatchSize))
        {
            var pixels = chunk.SelectMany(f => Preprocess(f).Pixels).ToArray();
            var (_, probs) = Run(pixels, chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            {
                var row = probs.AsSpan(i * classes, classes).ToArray();
                results.Add(new Prediction(chunk[i], Enumerable.Range(0, classes)
                    .OrderByDescending(c => row[c]).ThenBy(c => c).Take(k)
                    .Select(c => new ClassProbability(c, Info.ClassNames[c], row[c])).ToArray()));
            }
        }
        return results;
    }

    /// <summary><c>livt predict model.onnx IMAGE…</c>: top-k classes of image files with ONNX Runtime.</summary>
    /// <exception cref="LivtException">As <see cref="Open"/> and <see cref="Predict(IReadOnlyList{string}, int)"/>,
    /// or a device other than the CPU.</exception>
    public static IReadOnlyList<Prediction> Predict(string model, IReadOnlyList<string> files, int topK, string device)
    {
        if (device.Trim().ToLowerInvariant() != "cpu")
            throw new LivtException($"--device {device}: ONNX models run on ONNX Runtime's CPU provider here");
        using var classifier = Open(model);
        return classifier.Predict(files, topK);
    }

    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
    }
}

using Livt.Augmentation;
using Livt.Data;
using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Inference;

/// <summary>One class and its probability.</summary>
public sealed record ClassProbability(int ClassIndex, string ClassName, double Probability);

/// <summary>The top classes for one image.</summary>
public sealed record Prediction(string Path, IReadOnlyList<ClassProbability> Top);

/// <summary><c>livt predict</c>: a saved classifier's top-k classes (a multi-expert model's: of its experts'
/// mean logits) for image files, preprocessed
/// exactly as at evaluation (the model file carries its input size, channels and normalisation).</summary>
public static class Predictor
{
    private const int BatchSize = 64;

    /// <summary>Predicts every file; a missing or undecodable file is an error naming it. For a
    /// checkpoint without Livt metadata (an official .pth) <paramref name="raw"/> gives what its weights
    /// cannot say, its classes are named by index, and <paramref name="observer"/> hears how its
    /// architecture was inferred. <paramref name="precision"/>: auto (bf16 where the device has it
    /// natively), fp32 or bf16.</summary>
    public static IReadOnlyList<Prediction> Predict(string checkpoint, IReadOnlyList<string> images, int topK, string device,
        RawCheckpointOptions? raw = null, ITrainingObserver? observer = null, string precision = "auto")
    {
        if (topK < 1) throw new LivtException($"--top-k {topK}: must be at least 1");
        LivtRuntime.Initialize();
        var dev = TrainingDevice.Parse(device);
        var requested = PrecisionPolicy.Resolve(precision, dev);
        var (model, meta) = ModelCheckpoint.LoadModel(checkpoint, dev, raw);
        var choice = ModelPrecision.For(requested, model);
        using (model)
        using (var bf16 = MixedPrecision.For(choice, model, null, model.NewOfSameArchitecture, dev))
        {
            if (meta.Inferred is not null) observer?.Message(meta.Inferred);
            var compute = (ClassifierModel?)bf16?.Work ?? model;
            compute.eval();
            var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
            int k = Math.Min(topK, meta.ClassNames.Length);
            var results = new List<Prediction>();
            foreach (var chunk in images.Chunk(BatchSize))
            {
                using var scope = torch.NewDisposeScope();
                var tensors = chunk.Select(path =>
                {
                    var img = transform.Apply(ImageDecoder.DecodeFile(path, meta.Model.InChans), new Random(0));
                    return torch.tensor(img.Pixels, [img.Channels, img.Height, img.Width]);
                }).ToArray();
                using var noGrad = torch.no_grad();
                var probs = compute.call(torch.stack(tensors).to(dev)).softmax(1, ScalarType.Float32).cpu();
                var (values, indices) = probs.topk(k, 1);
                for (int i = 0; i < chunk.Length; i++)
                    results.Add(new Prediction(chunk[i], Enumerable.Range(0, k).Select(j =>
                    {
                        int c = (int)indices[i, j].item<long>();
                        return new ClassProbability(c, meta.ClassNames[c], values[i, j].item<float>());
                    }).ToArray()));
            }
            return results;
        }
    }
}

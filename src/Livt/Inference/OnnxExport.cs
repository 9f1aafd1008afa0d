using Google.Protobuf;
using Livt.Augmentation;
using Livt.Evaluation;
using Livt.Interop;
using Livt.Interop.Onnx;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Inference;

/// <summary>What <see cref="OnnxExport.Run"/> wrote.</summary>
/// <param name="Path">The ONNX file.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Info">The metadata written into it.</param>
/// <param name="Nodes">Nodes in the graph.</param>
/// <param name="MaxAbsDiff">Largest |logit difference| between ONNX Runtime and Livt on the check batch.</param>
/// <param name="Inferred">For a checkpoint without Livt metadata, what was inferred about it (architecture,
/// normalisation); null otherwise.</param>
public sealed record OnnxExportResult(string Path, long Bytes, OnnxModelInfo Info, int Nodes, double MaxAbsDiff, string? Inferred = null);

/// <summary>
/// <c>livt export --onnx</c>: a fine-tuned checkpoint as an ONNX graph, optionally with the post-hoc
/// prior adjustment of <c>livt evaluate --test-prior</c> baked into its logits. Before the file is
/// written, ONNX Runtime runs it on a check batch next to the Livt model.
/// </summary>
public static class OnnxExport
{
    private const int CheckBatch = 2;

    /// <summary>Exports <paramref name="checkpoint"/> (file or run folder) to <paramref name="output"/>.</summary>
    /// <param name="checkpoint">A classifier's model.safetensors (a ViT, or SADE's experts, exported averaged),
    /// its run folder, or a classifier without Livt metadata.</param>
    /// <param name="output">The .onnx file to write (atomically).</param>
    /// <param name="testPrior">null for raw logits; "uniform", "train" or a file of per-class counts or
    /// probabilities: the adjustment <c>livt evaluate --test-prior</c> applies.</param>
    /// <param name="tau">Strength of that adjustment.</param>
    /// <param name="raw">What a checkpoint without Livt metadata cannot say (heads, normalisation).</param>
    /// <exception cref="LivtException">The checkpoint or prior file is missing or not usable, or
    /// <paramref name="output"/> does not end in .onnx.</exception>
    public static OnnxExportResult Run(string checkpoint, string output, string? testPrior = null, double tau = 1.0, RawCheckpointOptions? raw = null)
    {
        if (!OnnxClassifier.IsOnnxFile(output))
            throw new LivtException($"--onnx {output}: the file name must end in .onnx (that is how livt predict recognises an ONNX model)");
        LivtRuntime.Initialize();
        var (model, meta) = ModelCheckpoint.LoadModel(checkpoint, CPU, raw);
        using (model)
        {
            double[]? offset = null;
            if (testPrior is not null)
            {
                if (meta.ClassCounts.Length == 0)
                    throw new LivtException($"--test-prior {testPrior}: {checkpoint} has no Livt metadata, so its training class counts are unknown");
                var (from, to) = PriorCorrection.ForTestPrior(testPrior, meta);
                offset = LogitAdjustment.Offset(from, to, tau);
            }
            var info = new OnnxModelInfo
            {
                ClassNames = meta.ClassNames, InputSize = meta.Model.ImageSize, InChans = meta.Model.InChans,
                Mean = meta.Mean, Std = meta.Std, CropPct = TransformPipelines.DefaultCropPct(meta.Model.ImageSize), LivtVersion = LivtRuntime.Version,
                    Loss = meta.Loss, Dataset = meta.Dataset,
                TestPrior = testPrior is null or "uniform" or "train" ? testPrior : Path.GetFileName(testPrior),
                Tau = tau,
            };
            var onnx = model switch
            {
                VisionTransformer or DistilledVisionTransformer or MultiExpertVisionTransformer => VitOnnxExporter.Build(model, info, offset),
                CifarResNet or ResNet => ResNetOnnxExporter.Build((LinearHeadClassifier)model, info, offset),
                _ => throw new LivtException($"{ModelCheckpoint.Resolve(checkpoint)}: is a '{meta.Kind}' model; export writes a ViT (one head, class and " +
                    "distillation heads, or SADE's experts averaged) or a CNN"),
            };
            var bytes = onnx.ToByteArray();
            double diff = Check(model, info, offset, bytes, checkpoint);
            AtomicFile.Write(output, s => s.Write(bytes));
            return new OnnxExportResult(output, bytes.Length, info, onnx.Graph.Node.Count, diff, meta.Inferred);
        }
    }

    // The exported graph against the model on seeded random images: a mismatch is a Livt bug, never
    // something the user caused, so it is not a LivtException.
    private static double Check(ClassifierModel model, OnnxModelInfo info, double[]? offset, byte[] onnx, string source)
    {
        int size = info.InputSize, chans = info.InChans, classes = info.ClassNames.Length;
        var rng = new Random(0);
        var pixels = new float[CheckBatch * chans * size * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = rng.NextSingle();
        using var ort = OnnxClassifier.Load(onnx, source);
        var (ortLogits, _) = ort.Run(pixels, CheckBatch);

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long[] channelShape = [1, info.Mean.Length, 1, 1];
        var x = (torch.tensor(pixels, [CheckBatch, chans, size, size]) - torch.tensor(info.Mean, channelShape))
                * torch.tensor(info.Std.Select(s => 1f / s).ToArray(), channelShape);
        var logits = model.forward(x);
        using Scalar one = 1;
        if (offset is not null) logits = logits.add(torch.tensor(offset, dtype: ScalarType.Float32), one);
        var livt = logits.contiguous().data<float>().ToArray();
        double diff = 0, scale = 1;
        for (int i = 0; i < livt.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(livt[i] - ortLogits[i]));
            scale = Math.Max(scale, Math.Abs(livt[i]));
        }
        if (!(diff <= 1e-3 * scale))
            throw new InvalidOperationException($"the exported graph disagrees with the model: max |logit difference| {diff:E2} over " +
                $"{CheckBatch}×{classes} logits");
        return diff;
    }
}

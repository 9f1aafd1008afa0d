using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Setup;

/// <summary>
/// Loads a pretraining (or classifier) checkpoint's encoder into a classifier being fine-tuned, as MAE's
/// main_finetune.py does: the decoder is dropped, the position embedding is resampled to the new
/// patch grid when the input size differs (<c>interpolate_pos_embed</c>: bicubic, class token kept),
/// and only the new classifier (head, and fc_norm when the encoder had none) may be missing. A CNN takes
/// everything of a CNN classifier's checkpoint but its head. A multi-expert model takes the encoder's last
/// blocks into every expert, a distilled ViT its class token into the distillation token
/// (<see cref="StateDictLoader.LoadEncoder"/>).
/// </summary>
public static class EncoderLoader
{
    /// <summary>Loads <paramref name="init"/> into <paramref name="model"/>.</summary>
    /// <exception cref="LivtException">Anything that does not fit — another architecture, another patch
    /// size or width — with the keys at fault.</exception>
    public static void Load(ClassifierModel model, WeightsFile init, ModelMetadata? meta, string path, ITrainingObserver? observer = null)
    {
        // A pretraining run's file (any --method) holds the encoder under MAE's names, its decoder if any beside it.
        bool isMae = meta?.Kind is "mae" or "encoder" || init.Tensors.Keys.Any(k => k.StartsWith("decoder_", StringComparison.Ordinal));
        // The classifier's head is new: a ViT's "head", a CNN's "linear" or "fc".
        string head = $"{(model as LinearHeadClassifier)?.HeadName ?? "head"}.";
        IReadOnlyDictionary<string, Tensor> weights = isMae
            ? StateDictLoader.EncoderFromMae(init.Tensors, model.Architecture is VitConfig { GlobalPool: true })
            : init.Tensors.Where(kv => !kv.Key.StartsWith(head, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
        var resampled = StateDictLoader.ResamplePosEmbed(weights, model, path);
        try
        {
            if (!ReferenceEquals(resampled, weights))
                observer?.Message($"Position embedding resampled from {Shape(weights["pos_embed"])} to {Shape(resampled["pos_embed"])} (input size " +
                    $"{model.Architecture.ImageSize})");
            var report = StateDictLoader.LoadEncoder(model, resampled, path);
            var missing = report.Missing.Select(model.EncoderName)
                .Where(k => !(k.StartsWith(head, StringComparison.Ordinal) || k.StartsWith("head.", StringComparison.Ordinal)
                              || k.StartsWith("fc_norm.", StringComparison.Ordinal))).Distinct().ToList();
            if (missing.Count > 0 || report.Unexpected.Count > 0 || report.ShapeMismatched.Count > 0)
                throw new LivtException($"{path}: does not fit the model being fine-tuned (another architecture?)" +
                    (missing.Count > 0 ? $"; missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}" : "") +
                    (report.Unexpected.Count > 0
                        ? $"; unexpected: {string.Join(", ", report.Unexpected.Take(10))}{(report.Unexpected.Count > 10 ? ", ..." : "")}" : "") +
                    (report.ShapeMismatched.Count > 0 ? $"; wrong shape: {string.Join(", ", report.ShapeMismatched.Take(10))}" : ""));
        }
        finally
        {
            if (!ReferenceEquals(resampled, weights)) resampled["pos_embed"].Dispose();
        }
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}

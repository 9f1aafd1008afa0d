using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>Copies named weights (a safetensors file's tensors, or another model's state dict) into a
/// module's parameters and buffers, by their PyTorch names.</summary>
public static class StateDictLoader
{
    /// <summary>
    /// Copies every tensor of <paramref name="weights"/> whose name and shape match one of the
    /// module's parameters or persistent buffers (converted to its dtype and device).
    /// </summary>
    /// <param name="module">The target; its tensors are overwritten in place.</param>
    /// <param name="weights">Tensors by name; not modified or disposed.</param>
    /// <param name="strict">When true, any missing, unexpected or mis-shaped name is an error and nothing
    /// is copied.</param>
    /// <param name="source">Where the weights come from (a file name), for messages.</param>
    /// <returns>The names that did not match (all empty after a strict load).</returns>
    /// <exception cref="LivtException">Strict load that does not match exactly; the message lists every key
    /// at fault, with shapes.</exception>
    public static LoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, bool strict = true, string? source = null)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !weights.ContainsKey(k)).ToList();
        var unexpected = weights.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var mismatched = weights
            .Where(kv => target.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key}: checkpoint {Shape(kv.Value)} vs model {Shape(target[kv.Key])}")
            .ToList();
        var report = new LoadReport(missing, unexpected, mismatched);

        if (strict && !report.IsExact)
            throw new LivtException(Describe(report, module, source));

        using var _ = torch.no_grad();
        foreach (var (name, tensor) in weights)
            if (target.TryGetValue(name, out var dest) && dest.shape.SequenceEqual(tensor.shape))
                dest.copy_(tensor);
        return report;
    }

    /// <summary>
    /// Loads single-model weights by name into <paramref name="model"/>, not strictly: each of its tensors
    /// takes the one of its own name, or else the one its <see cref="ClassifierModel.EncoderName"/> names, so
    /// a multi-expert model gets the shared trunk from <c>blocks.0</c> … and every expert the last k blocks
    /// (and <c>fc_norm</c>/<c>head</c> when present): the experts start identical and are told apart by their
    /// objectives; a distilled ViT without a distillation token in the weights starts it as the class token.
    /// Tensors of another shape are left as they are.
    /// </summary>
    /// <param name="model">The target; its tensors are overwritten in place.</param>
    /// <param name="weights">Tensors by single-head ViT (timm) name; not modified.</param>
    /// <param name="source">Where they come from, for the report.</param>
    /// <returns>The model names that found nothing (<c>Missing</c>), the given names used by none
    /// (<c>Unexpected</c>), and shape mismatches.</returns>
    public static LoadReport LoadEncoder(ClassifierModel model, IReadOnlyDictionary<string, Tensor> weights, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        var mapped = new Dictionary<string, Tensor>();
        var missing = new List<string>();
        var mismatched = new List<string>();
        var used = new HashSet<string>();
        foreach (var (name, tensor) in model.state_dict())
        {
            var from = weights.ContainsKey(name) ? name : model.EncoderName(name);
            if (!weights.TryGetValue(from, out var w)) { missing.Add(name); continue; }
            used.Add(from);
            if (w.shape.SequenceEqual(tensor.shape)) mapped[name] = w;
            else mismatched.Add($"{name}{(from == name ? "" : $" (from {from})")}: checkpoint {Shape(w)} vs model {Shape(tensor)}");
        }
        Load(model, mapped, strict: false, source: source);
        return new LoadReport(missing, weights.Keys.Where(k => !used.Contains(k)).ToList(), mismatched);
    }

    /// <summary>
    /// The part of an MAE checkpoint a <see cref="VisionTransformer"/> takes, as MAE's fine-tuning does:
    /// drops <c>decoder_*</c> and <c>mask_token</c>, and with <paramref name="globalPool"/> also the
    /// encoder's final <c>norm.*</c> (the classifier has <c>fc_norm</c> instead). What remains loads
    /// with only <c>head.*</c> (and <c>fc_norm.*</c>) missing.
    /// </summary>
    /// <param name="maeWeights">The MAE state dict; the result shares its tensors.</param>
    /// <param name="globalPool">Whether the target classifier pools patch tokens (LiVT's setting).</param>
    public static IReadOnlyDictionary<string, Tensor> EncoderFromMae(IReadOnlyDictionary<string, Tensor> maeWeights, bool globalPool = true) =>
        maeWeights
            .Where(kv => !kv.Key.StartsWith("decoder_", StringComparison.Ordinal)
                         && kv.Key != "mask_token"
                         && !(globalPool && kv.Key.StartsWith("norm.", StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>
    /// Adapts a checkpoint's <c>pos_embed</c> to the patch grid and the leading token rows of
    /// <paramref name="target"/>, like MAE's <c>interpolate_pos_embed</c>: the grid is resampled bicubically
    /// when the input size differs, and the rows of the leading tokens are kept — the class token's, and a
    /// distillation token's (timm's <c>num_prefix_tokens</c>: a table of 1 + g² or 2 + g² rows, which no
    /// count can be both); a distillation row the checkpoint lacks starts as its class row. Returns
    /// <paramref name="weights"/> itself when nothing needs to change; otherwise a new dictionary sharing
    /// every other tensor, whose new <c>pos_embed</c> the caller disposes.
    /// </summary>
    /// <exception cref="LivtException">A <c>pos_embed</c> is not a square grid after one or two token rows,
    /// or the widths differ.</exception>
    public static IReadOnlyDictionary<string, Tensor> ResamplePosEmbed(IReadOnlyDictionary<string, Tensor> weights, nn.Module target, string? source = null)
    {
        const string key = "pos_embed";
        if (!weights.TryGetValue(key, out var have)) return weights;
        var want = target.state_dict().GetValueOrDefault(key)
                   ?? throw new LivtException($"{source ?? "weights"}: the {target.GetType().Name} has no {key} to resample into");
        if (have.shape.SequenceEqual(want.shape)) return weights;

        var (havePrefix, haveGrid) = have.dim() == 3 ? Layout(have.shape[1]) : (-1, 0);
        var (wantPrefix, wantGrid) = Layout(want.shape[1]);
        if (havePrefix < 0 || wantPrefix < 0 || have.shape[0] != 1 || have.shape[2] != want.shape[2])
            throw new LivtException($"{source ?? "weights"}: cannot resample {key} {Shape(have)} to {Shape(want)}: expected [1, 1 or 2 + grid², " +
                $"{want.shape[2]}]");

        using var scope = torch.NewDisposeScope();
        var grid = haveGrid == wantGrid ? have[.., havePrefix..] : PosEmbedResampler.Resample(have, wantGrid, havePrefix)[.., havePrefix..];
        var rows = Enumerable.Range(0, wantPrefix).Select(i => have[.., Math.Min(i, havePrefix - 1)..(Math.Min(i, havePrefix - 1) + 1)]);
        var result = weights.ToDictionary(kv => kv.Key, kv => kv.Value);
        result[key] = torch.cat([.. rows, grid], 1).MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The leading token rows (1 or 2, −1 for neither) and the grid side of a table of <paramref name="rows"/> rows.</summary>
    private static (int Prefix, int Grid) Layout(long rows)
    {
        for (int prefix = 1; prefix <= 2; prefix++)
        {
            int grid = (int)Math.Round(Math.Sqrt(Math.Max(rows - prefix, 0)));
            if (grid > 0 && (long)grid * grid == rows - prefix) return (prefix, grid);
        }
        return (-1, 0);
    }

    private static string Describe(LoadReport report, nn.Module module, string? source)
    {
        var parts = new List<string>();
        if (report.Missing.Count > 0) parts.Add($"missing keys: {string.Join(", ", report.Missing)}");
        if (report.Unexpected.Count > 0) parts.Add($"unexpected keys: {string.Join(", ", report.Unexpected)}");
        if (report.ShapeMismatched.Count > 0) parts.Add($"shape mismatches: {string.Join("; ", report.ShapeMismatched)}");
        return $"{source ?? "weights"}: does not match the {module.GetType().Name}: {string.Join("; ", parts)}";
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}

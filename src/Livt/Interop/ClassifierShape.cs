using System.Globalization;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>
/// The ViT classifier a timm/MAE-named state dict describes, for weights that come without Livt's
/// metadata (an official .pth, a converted safetensors). Everything but the number of attention heads
/// shows in the tensor shapes: patch size and channels (<c>patch_embed.proj.weight</c>), width D, the
/// grid and so the input size (<c>pos_embed</c>), depth (<c>blocks.i</c>), MLP ratio, classes
/// (<c>head.weight</c>), pooling (<c>fc_norm</c> means global average pooling, <c>norm</c> the cls token).
/// </summary>
public static class ClassifierShape
{
    // timm's heads for its standard widths: ViT-Ti, -S, -B, -L, -H.
    private static readonly Dictionary<int, int> HeadsByWidth = new() { [192] = 3, [384] = 6, [768] = 12, [1024] = 16, [1280] = 16 };

    /// <summary>The inferred configuration and, in words, where each setting that the shapes cannot
    /// give came from (for the user).</summary>
    public sealed record Result(VitConfig Config, string Description);

    /// <summary>Infers the classifier's configuration. <paramref name="numHeads"/> null takes timm's
    /// heads for the width (192 → 3, 384 → 6, 768 → 12, 1024 and 1280 → 16).</summary>
    /// <exception cref="LivtException">A tensor the classifier needs is missing or has an unexpected
    /// shape, the file is an MAE (pretraining) checkpoint, or the width has no standard head count and
    /// none was given.</exception>
    public static Result Infer(IReadOnlyDictionary<string, Tensor> weights, int? numHeads, string source)
    {
        if (weights.Keys.Any(k => k.StartsWith("decoder_", StringComparison.Ordinal)))
            throw new LivtException($"{source}: an MAE (pretraining) checkpoint, not a classifier: fine-tune it first (livt finetune --init {source})");
        long[] Shape(string name, int dims) =>
            weights.TryGetValue(name, out var t) && t.dim() == dims
                ? t.shape
                : throw new LivtException($"{source}: no {dims}-d '{name}' tensor: not a timm/MAE ViT classifier (keys: " +
                    $"{string.Join(", ", weights.Keys.Take(8))}{(weights.Count > 8 ? ", ..." : "")})");

        var patch = Shape("patch_embed.proj.weight", 4); // [D, C, p, p]
        int dim = (int)patch[0], chans = (int)patch[1], patchSize = (int)patch[2];
        if (patch[3] != patchSize) throw new LivtException($"{source}: patch_embed.proj.weight {Format(patch)} has non-square patches");

        var pos = Shape("pos_embed", 3); // [1, 1 + grid², D]
        long tokens = pos[1] - 1;
        int grid = (int)Math.Round(Math.Sqrt(Math.Max(tokens, 0)));
        if (pos[0] != 1 || pos[2] != dim || (long)grid * grid != tokens || grid == 0)
            throw new LivtException($"{source}: pos_embed {Format(pos)} is not [1, 1 + grid², {dim}] (a cls token and a square patch grid)");

        var blockIds = weights.Keys
            .Where(k => k.StartsWith("blocks.", StringComparison.Ordinal))
            .Select(k => k.Split('.')[1])
            .Distinct()
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Order()
            .ToList();
        if (blockIds.Count == 0 || blockIds[0] != 0 || blockIds[^1] != blockIds.Count - 1)
            throw new LivtException($"{source}: the blocks.i tensors are not numbered 0..depth-1 (found {string.Join(", ", blockIds)})");
        int depth = blockIds.Count;
        var fc1 = Shape("blocks.0.mlp.fc1.weight", 2);
        var head = Shape("head.weight", 2);

        bool globalPool = weights.ContainsKey("fc_norm.weight");
        if (!globalPool && !weights.ContainsKey("norm.weight"))
            throw new LivtException($"{source}: neither fc_norm.weight (global pooling) nor norm.weight (cls token): not a timm/MAE ViT classifier");

        var (heads, headsFrom) = Heads(dim, numHeads, source);

        var config = new VitConfig
        {
            ImageSize = grid * patchSize, InChans = chans, PatchSize = patchSize, EmbedDim = dim, Depth = depth,
            NumHeads = heads, MlpRatio = (double)fc1[0] / dim, NumClasses = (int)head[0], GlobalPool = globalPool,
        };
        var description = string.Create(CultureInfo.InvariantCulture,
            $"ViT from the tensor shapes: {config.ImageSize} px, {chans} channel(s), patch {patchSize}, D{dim}, depth {depth}, " +
            $"{config.NumClasses} classes, {(globalPool ? "global pooling" : "cls token")}; {heads} heads {headsFrom}");
        return new Result(config, description);
    }

    /// <summary>The attention heads: <paramref name="numHeads"/>, else timm's for the width; and where they came from.</summary>
    private static (int Heads, string From) Heads(int dim, int? numHeads, string source)
    {
        string headsFrom;
        int heads;
        if (numHeads is { } given)
        {
            heads = given;
            headsFrom = "given";
        }
        else if (HeadsByWidth.TryGetValue(dim, out heads))
        {
            headsFrom = $"timm's for D{dim} (the weights do not show it; --num-heads to change)";
        }
        else
        {
            throw new LivtException($"{source}: the number of attention heads is not in the weights and D{dim} is not a standard width (192, 384, 768, 1024, " +
                "1280): give it with --num-heads");
        }
        if (heads < 1 || dim % heads != 0)
            throw new LivtException($"{source}: {heads} heads do not divide the width D{dim}");
        return (heads, headsFrom);
    }

    private static string Format(long[] shape) => $"[{string.Join(", ", shape)}]";
}

using Livt.Interop;
using Livt.Models;

namespace Livt.Training;

/// <summary>
/// The model preset that fits a checkpoint to fine-tune from, for a run that names neither a recipe nor
/// a model: an official MAE/LiVT .pth (<c>checkpoint-799.pth</c>) then trains the ViT it holds instead
/// of the quick-start recipe's 28-px one. Read from the encoder's shapes (patch size and width from
/// <c>patch_embed.proj.weight</c>, depth from the <c>blocks.i</c>), or from a Livt checkpoint's metadata;
/// a CNN's checkpoint names its architecture. The input size need not match: the position embedding is resampled.
/// </summary>
public static class InitPreset
{
    /// <summary>The preset and, in words, what it was matched on.</summary>
    /// <exception cref="LivtException">The file is not a ViT checkpoint in timm/MAE names, or no preset
    /// has its shapes; the message gives them and the flags to give instead.</exception>
    public static (string Preset, string Description) For(string init)
    {
        var (file, meta, path) = ModelCheckpoint.Open(init);
        using (file)
        {
            var cnn = meta?.Model as ResNetConfig ?? (meta is null && ResNetShape.Describes(file.Tensors) ? ResNetShape.Infer(file.Tensors,
                path).Config : null);
            if (cnn is not null) return (cnn.Arch, $"model {cnn.Arch}, the CNN in {path}; --model or --config to choose another");
            int dim, patch, depth;
            int? heads = null;
            if (meta?.Model is VitConfig vit)
            {
                (dim, patch, depth, heads) = (vit.EmbedDim, vit.PatchSize, vit.Depth, vit.NumHeads);
            }
            else
            {
                if (!file.Tensors.TryGetValue("patch_embed.proj.weight", out var proj) || proj.dim() != 4)
                    throw new LivtException($"{path}: no 4-d patch_embed.proj.weight: not a ViT checkpoint in timm/MAE names; give --model or --config");
                (dim, patch) = ((int)proj.shape[0], (int)proj.shape[2]);
                depth = file.Tensors.Keys.Where(k => k.StartsWith("blocks.", StringComparison.Ordinal)).Select(k => k.Split('.')[1]).Distinct().Count();
            }
            string shape = $"D{dim}, depth {depth}, patch {patch}{(heads is { } h ? $", {h} heads" : "")}";
            var preset = ModelPresets.Names.FirstOrDefault(n => ModelPresets.Get(n) is var c
                && c.EmbedDim == dim && c.Depth == depth && c.PatchSize == patch && (heads is null || c.NumHeads == heads));
            return preset is not null
                ? (preset, $"model {preset}, from the encoder in {path} ({shape}); --model or --config to choose another")
                : throw new LivtException($"{path}: its encoder ({shape}) is none of the presets ({string.Join(", ", ModelPresets.Names)}): " +
                    "give --config RECIPE, or --model with --embed-dim, --depth, --num-heads and --patch-size");
        }
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// One expert of a <see cref="MultiExpertVisionTransformer"/>: its own last transformer blocks, then the
/// classifier end of timm's ViT (<c>fc_norm</c> after global pooling, or <c>norm</c> and the cls token)
/// and <c>head</c> — linear, or SADE's cosine classifier when the configuration has a
/// <see cref="VitConfig.CosineScale"/>. Takes the tokens [N, 1 + L, D] of the shared trunk, returns logits [N, C].
/// </summary>
public sealed class Expert : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm? norm;
    private readonly LayerNorm? fc_norm;
    private readonly Linear head;
    private readonly double? _cosineScale;

    /// <summary>The expert owning blocks <paramref name="firstBlock"/> … depth − 1 of
    /// <paramref name="config"/> (drop-path rates as those positions have in the full stack).</summary>
    public Expert(VitConfig config, int firstBlock, GeneratorSlot? random = null) : base(nameof(Expert))
    {
        int d = config.EmbedDim;
        blocks = new ModuleList<Block>();
        for (int i = firstBlock; i < config.Depth; i++)
            blocks.Add(new Block(d, config.NumHeads, config.MlpRatio, Block.DropPathAt(i, config.Depth, config.DropPathRate), config.Attention, random));
        if (config.GlobalPool) fc_norm = nn.LayerNorm(d, eps: Block.NormEps);
        else norm = nn.LayerNorm(d, eps: Block.NormEps);
        head = nn.Linear(d, config.NumClasses);
        _cosineScale = config.CosineScale;
        RegisterComponents();
    }

    /// <summary>The expert's head (weights initialised by the owning model).</summary>
    internal Linear Head => head;

    public override Tensor forward(Tensor tokens)
    {
        using var scope = torch.NewDisposeScope();
        var x = tokens;
        foreach (var block in blocks) x = block.call(x);
        var pooled = fc_norm is not null
            ? Fp32.LayerNorm(fc_norm, x[.., 1..].mean(new long[] { 1 }))
            : Fp32.LayerNorm(norm!, x)[.., 0];
        return (_cosineScale is { } s ? CosineClassifier.Logits(pooled, head.weight!, head.bias!, s) : head.call(pooled)).MoveToOuterDisposeScope();
    }
}

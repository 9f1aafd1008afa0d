using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>timm's pre-norm transformer <c>Block</c>: x + DropPath(attn(norm1(x))), then
/// x + DropPath(mlp(norm2(x))). LayerNorms use eps 1e-6 as in MAE and LiVT.</summary>
public sealed class Block : nn.Module<Tensor, Tensor>
{
    internal const double NormEps = 1e-6;

    private readonly LayerNorm norm1;
    private readonly Attention attn;
    private readonly DropPath drop_path1;
    private readonly LayerNorm norm2;
    private readonly Mlp mlp;
    private readonly DropPath drop_path2;

    /// <summary>Creates one block of width <paramref name="dim"/>.</summary>
    public Block(int dim, int numHeads, double mlpRatio, double dropPath, AttentionImpl attention, GeneratorSlot? random = null) : base(nameof(Block))
    {
        norm1 = nn.LayerNorm(dim, eps: NormEps);
        attn = new Attention(dim, numHeads, attention);
        drop_path1 = new DropPath(dropPath, random);
        norm2 = nn.LayerNorm(dim, eps: NormEps);
        mlp = new Mlp(dim, (int)(dim * mlpRatio));
        drop_path2 = new DropPath(dropPath, random);
        RegisterComponents();
    }

    /// <summary>Drop-path rate of both residual branches.</summary>
    public double DropPathRate => drop_path1.Rate;

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        // An explicit alpha held to the end of the method: the temporary Scalar that `x + y` makes can be
        // finalized (freed) while libtorch still reads it when another thread (the loader) triggers a
        // GC, which showed as an intermittent "toFloat" error under load.
        using var one = 1.0.ToScalar();
        var h = x.add(drop_path1.call(attn.call(Fp32.LayerNorm(norm1, x))), one);
        var y = h.add(drop_path2.call(mlp.call(Fp32.LayerNorm(norm2, h))), one);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The blocks of a stack of <paramref name="depth"/>, drop-path rising linearly from 0 to
    /// <paramref name="dropPathRate"/> (timm: <c>torch.linspace(0, rate, depth)</c>).</summary>
    internal static ModuleList<Block> Stack(int depth, int dim, int numHeads, double mlpRatio, double dropPathRate, AttentionImpl attention,
        GeneratorSlot? random = null)
    {
        var blocks = new ModuleList<Block>();
        for (int i = 0; i < depth; i++)
            blocks.Add(new Block(dim, numHeads, mlpRatio, DropPathAt(i, depth, dropPathRate), attention, random));
        return blocks;
    }

    /// <summary>Drop-path rate of block <paramref name="index"/> of a stack of <paramref name="depth"/>.</summary>
    internal static double DropPathAt(int index, int depth, double dropPathRate) =>
        depth > 1 ? dropPathRate * index / (depth - 1) : 0.0;
}

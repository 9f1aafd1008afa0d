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
    public Block(int dim, int numHeads, double mlpRatio, double dropPath, AttentionImpl attention) : base(nameof(Block))
    {
        norm1 = nn.LayerNorm(dim, eps: NormEps);
        attn = new Attention(dim, numHeads, attention);
        drop_path1 = new DropPath(dropPath);
        norm2 = nn.LayerNorm(dim, eps: NormEps);
        mlp = new Mlp(dim, (int)(dim * mlpRatio));
        drop_path2 = new DropPath(dropPath);
        RegisterComponents();
    }

    /// <summary>Drop-path rate of both residual branches.</summary>
    public double DropPathRate => drop_path1.Rate;

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x + drop_path1.forward(attn.forward(Fp32.LayerNorm(norm1, x)));
        var y = h + drop_path2.forward(mlp.forward(Fp32.LayerNorm(norm2, h)));
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The blocks of a stack of <paramref name="depth"/>, drop-path rising linearly from 0 to
    /// <paramref name="dropPathRate"/> (timm: <c>torch.linspace(0, rate, depth)</c>).</summary>
    internal static ModuleList<Block> Stack(int depth, int dim, int numHeads, double mlpRatio, double dropPathRate, AttentionImpl attention)
    {
        var blocks = new ModuleList<Block>();
        for (int i = 0; i < depth; i++)
        {
            double rate = depth > 1 ? dropPathRate * i / (depth - 1) : 0.0;
            blocks.Add(new Block(dim, numHeads, mlpRatio, rate, attention));
        }
        return blocks;
    }
}

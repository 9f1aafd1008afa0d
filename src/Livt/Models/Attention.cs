using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>timm's multi-head self-attention: <c>qkv</c> Linear D → 3D (with bias), heads of width
/// D/h, scale 1/√(D/h), output <c>proj</c> Linear D → D.</summary>
public sealed class Attention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int _numHeads;
    private readonly double _scale;
    private readonly AttentionImpl _impl;

    /// <summary>Creates the layer; <paramref name="numHeads"/> must divide <paramref name="dim"/>.</summary>
    public Attention(int dim, int numHeads, AttentionImpl impl) : base(nameof(Attention))
    {
        if (dim % numHeads != 0) throw new ArgumentException($"{numHeads} heads do not divide width {dim}");
        _numHeads = numHeads;
        _scale = 1.0 / Math.Sqrt(dim / numHeads);
        _impl = impl;
        qkv = nn.Linear(dim, dim * 3, hasBias: true);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        // Held to the end of the method: a temporary Scalar can be finalized while libtorch reads it (see Block).
        using var scale = _scale.ToScalar();
        var parts = qkv.call(x).reshape(b, n, 3, _numHeads, c / _numHeads).permute(2, 0, 3, 1, 4).unbind(0);
        var (q, k, v) = (parts[0], parts[1], parts[2]);
        Tensor heads = _impl == AttentionImpl.Fused
            ? nn.functional.scaled_dot_product_attention(q, k, v)
            : Fp32.Softmax(q.mul(scale).matmul(k.transpose(-2, -1))).matmul(v);
        return proj.call(heads.transpose(1, 2).reshape(b, n, c)).MoveToOuterDisposeScope();
    }
}

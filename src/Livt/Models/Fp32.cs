using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The operations autocast keeps in fp32, kept there by the models whatever their working dtype: a bf16
/// working copy (<c>MixedPrecision</c>) keeps its LayerNorms' parameters in fp32, normalises in fp32 and
/// casts the result back; attention's softmax runs in fp32. In an fp32 or fp64 model nothing is cast.
/// </summary>
internal static class Fp32
{
    /// <summary><paramref name="type"/> widened to at least fp32 (bf16 and fp16 become fp32; fp64 stays).</summary>
    public static ScalarType AtLeast(ScalarType type) => type is ScalarType.BFloat16 or ScalarType.Float16 ? ScalarType.Float32 : type;

    /// <summary>LayerNorm in the dtype of its parameters, the result cast back to <paramref name="x"/>'s dtype.</summary>
    public static Tensor LayerNorm(LayerNorm norm, Tensor x)
    {
        var dtype = norm.weight!.dtype;
        if (x.dtype == dtype) return norm.call(x);
        using var wide = x.to(dtype);
        using var y = norm.call(wide);
        return y.to(x.dtype);
    }

    /// <summary>Softmax over the last dimension computed in at least fp32 and returned in the scores'
    /// dtype: a bf16 working copy keeps fp32 probabilities for the backward.</summary>
    public static Tensor Softmax(Tensor scores)
    {
        var wide = AtLeast(scores.dtype);
        if (wide == scores.dtype) return scores.softmax(-1);
        using var p = scores.softmax(-1, wide);
        return p.to(scores.dtype);
    }
}

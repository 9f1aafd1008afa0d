namespace Livt.Models;

/// <summary>How a transformer block computes self-attention. Both give the same result up to float
/// rounding; they differ only in speed.</summary>
public enum AttentionImpl
{
    /// <summary>softmax(q·kᵀ·scale)·v written out as separate ops (timm's non-fused path). Measured
    /// faster here at small shapes (D128, depth 6, batch 128 on CPU).</summary>
    Manual,

    /// <summary>libtorch's <c>scaled_dot_product_attention</c> (timm's fused path).</summary>
    Fused,
}

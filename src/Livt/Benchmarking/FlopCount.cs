using Livt.Models;

namespace Livt.Benchmarking;

/// <summary>
/// Floating-point operations per image counted from a model's shapes, matrix multiplies only (a
/// multiply-add counts 2; norms, activations, softmax and the optimizer are left out, as in the usual
/// 6·N·D rule). Forward of a block on n tokens of width d with MLP width h: qkv 2·n·d·3d, q·kᵀ and
/// attention·v 2·n²·d each, proj 2·n·d², fc1 and fc2 2·n·d·h each. A training step counts 3× its
/// forward (backward = the gradients of inputs and of weights, each as costly as the forward).
/// </summary>
public static class FlopCount
{
    /// <summary>Forward of one transformer block on <paramref name="tokens"/> tokens.</summary>
    public static double Block(long tokens, long dim, long hidden) =>
        2.0 * tokens * dim * 3 * dim     // qkv
        + 2 * 2.0 * tokens * tokens * dim // q·kᵀ and attention·v
        + 2.0 * tokens * dim * dim       // proj
        + 2 * 2.0 * tokens * dim * hidden; // fc1, fc2

    /// <summary>Forward of the classifier on one image: patch embedding on every patch, the blocks on the
    /// patches plus the class token, the head on the pooled feature.</summary>
    public static double VitForward(VitConfig c)
    {
        long patches = c.NumPatches, d = c.EmbedDim, patchValues = (long)c.PatchSize * c.PatchSize * c.InChans;
        return 2.0 * patches * patchValues * d
            + c.Depth * Block(patches + 1, d, Hidden(d, c.MlpRatio))
            + 2.0 * d * c.NumClasses;
    }

    /// <summary>Forward of the MAE on one image: patch embedding on every patch, the encoder on the kept
    /// patches plus the class token (⌊L·(1 − ratio)⌋ + 1), the decoder embedding on those, the decoder
    /// blocks and the prediction on all L + 1 tokens.</summary>
    public static double MaeForward(VitConfig c, double maskRatio)
    {
        long patches = c.NumPatches, d = c.EmbedDim, dd = c.DecoderEmbedDim;
        long patchValues = (long)c.PatchSize * c.PatchSize * c.InChans;
        long kept = (long)(patches * (1 - maskRatio)) + 1;
        return 2.0 * patches * patchValues * d
            + c.Depth * Block(kept, d, Hidden(d, c.MlpRatio))
            + 2.0 * kept * d * dd
            + c.DecoderDepth * Block(patches + 1, dd, Hidden(dd, c.MlpRatio))
            + 2.0 * (patches + 1) * dd * patchValues;
    }

    /// <summary>A training step per image: forward and backward, 3× the forward.</summary>
    public static double TrainStep(double forward) => 3 * forward;

    private static long Hidden(long dim, double ratio) => (long)(dim * ratio);
}

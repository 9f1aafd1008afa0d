using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>What <see cref="ContrastiveVisionTransformer.Encode"/> returns for a batch of images.</summary>
/// <param name="Pooled">[B, D] the encoder's pooled, normalised features (what the classifier sees).</param>
/// <param name="Projection">[B, P] the projection head's output, L2-normalised (what the contrast sees).</param>
/// <param name="Logits">[B, C] the classifier's logits.</param>
public sealed record ContrastiveOutputs(Tensor Pooled, Tensor Projection, Tensor Logits) : IDisposable
{
    /// <summary>Disposes the three tensors.</summary>
    public void Dispose()
    {
        Pooled.Dispose();
        Projection.Dispose();
        Logits.Dispose();
    }
}

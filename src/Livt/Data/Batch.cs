using static TorchSharp.torch;

namespace Livt.Data;

/// <summary>
/// One batch on the CPU. It owns its tensors, which belong to no dispose scope (they are made on
/// loader threads), so the consumer disposes the batch, or moves/copies the tensors it keeps.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor labels, int[] indices, int skipped)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
        Skipped = skipped;
    }

    /// <summary>[N, C, H, W] float32 images; [N, V, C, H, W] when the loader makes V views of each
    /// sample (<see cref="Views"/> &gt; 1).</summary>
    public Tensor Images { get; }

    /// <summary>Views per sample: 1 for a plain batch, V for a multi-view loader's.</summary>
    public int Views => Images.dim() == 5 ? (int)Images.shape[1] : 1;

    /// <summary>[N] int64 labels.</summary>
    public Tensor Labels { get; }

    /// <summary>Dataset index of each of the N samples.</summary>
    public int[] Indices { get; }

    /// <summary>Samples of this batch's slot that were unreadable and left out (with <see cref="LoaderOptions.SkipCorrupt"/>).</summary>
    public int Skipped { get; }

    /// <summary>Number of samples N.</summary>
    public int Count => Indices.Length;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

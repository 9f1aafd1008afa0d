using Livt.Augmentation;

namespace Livt.Data;

/// <summary>
/// A labelled image collection. Labels are cheap; images are decoded on demand, and
/// <see cref="GetImage"/> is called concurrently by loader threads, so implementations must be
/// thread-safe.
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Number of classes C; labels lie in [0, C).</summary>
    int NumClasses { get; }

    /// <summary>One readable name per class, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Channels of a decoded image: 1 (grayscale) or 3 (RGB).</summary>
    int Channels { get; }

    /// <summary>The label of sample <paramref name="index"/>, without decoding its image.</summary>
    int GetLabel(int index);

    /// <summary>A new image the caller owns and may modify. Thread-safe.</summary>
    Image GetImage(int index);

    /// <summary>Where sample <paramref name="index"/> comes from, for error messages
    /// (e.g. <c>"n01440764_190.JPEG"</c> or <c>"train-images-idx3-ubyte.gz #123"</c>).</summary>
    string Describe(int index);
}

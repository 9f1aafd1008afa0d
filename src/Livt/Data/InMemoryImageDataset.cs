using Livt.Augmentation;

namespace Livt.Data;

/// <summary>
/// Small datasets (Fashion-MNIST, CIFAR) kept in memory as 8-bit pixels, one CHW block per image;
/// images are converted to floats in [0, 1] on request.
/// </summary>
public sealed class InMemoryImageDataset : IImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;
    private readonly Func<int, string> _describe;

    /// <summary>Creates the dataset.</summary>
    /// <param name="pixels">Count·C·H·W bytes, each image in CHW order.</param>
    /// <param name="labels">One label per image, each in [0, classNames.Count).</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="classNames">Class names, by label.</param>
    /// <param name="describe">Names the source of an image for error messages; "#index" if null.</param>
    public InMemoryImageDataset(byte[] pixels, int[] labels, int channels, int height, int width,
        IReadOnlyList<string> classNames, Func<int, string>? describe = null)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"images have 1 or 3 channels, not {channels}");
        if ((long)labels.Length * channels * height * width != pixels.LongLength)
            throw new ArgumentException($"{pixels.LongLength} pixel bytes for {labels.Length} images of {channels}x{height}x{width}");
        _pixels = pixels;
        _labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
        _describe = describe ?? (i => $"#{i}");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new LivtException($"{_describe(i)}: label {labels[i]} is outside [0, {classNames.Count})");
    }

    public int Count => _labels.Length;
    public int NumClasses => ClassNames.Count;
    public IReadOnlyList<string> ClassNames { get; }
    public int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    public int GetLabel(int index) => _labels[index];

    public Image GetImage(int index)
    {
        int size = Channels * Height * Width;
        var source = new ReadOnlySpan<byte>(_pixels, checked(index * size), size);
        var pixels = new float[size];
        var table = ByteScale.ToUnit;
        for (int i = 0; i < pixels.Length; i++) pixels[i] = table[source[i]];
        return new Image(Channels, Height, Width, pixels);
    }

    public string Describe(int index) => _describe(index);
}

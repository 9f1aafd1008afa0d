using Livt.Augmentation;

namespace Livt.Data;

/// <summary>
/// Images stored as files (JPEG, PNG, WebP…), decoded lazily on each request so that large sets
/// (ImageNet-LT, iNaturalist, Places-LT) never sit in memory. Decoded to RGB.
/// </summary>
public sealed class FileImageDataset : IImageDataset
{
    private readonly string[] _paths;
    private readonly int[] _labels;
    private readonly string[]? _origins;

    /// <summary>Creates the dataset.</summary>
    /// <param name="paths">Full path of each image.</param>
    /// <param name="labels">Label of each image, in [0, classNames.Count).</param>
    /// <param name="classNames">Class names, by label.</param>
    /// <param name="origins">Where each entry was declared (e.g. "train.txt line 12"), for messages; may be null.</param>
    public FileImageDataset(string[] paths, int[] labels, IReadOnlyList<string> classNames, string[]? origins = null)
    {
        if (paths.Length != labels.Length) throw new ArgumentException($"{paths.Length} paths but {labels.Length} labels");
        if (origins is not null && origins.Length != paths.Length) throw new ArgumentException("one origin per path");
        _paths = paths;
        _labels = labels;
        _origins = origins;
        ClassNames = classNames;
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new LivtException($"{Describe(i)}: label {labels[i]} is outside [0, {classNames.Count})");
    }

    public int Count => _paths.Length;
    public int NumClasses => ClassNames.Count;
    public IReadOnlyList<string> ClassNames { get; }
    public int Channels => 3;

    /// <summary>Full path of image <paramref name="index"/>.</summary>
    public string PathOf(int index) => _paths[index];

    public int GetLabel(int index) => _labels[index];

    public Image GetImage(int index)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_paths[index]);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CorruptImageException($"{Describe(index)}: image file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorruptImageException($"{Describe(index)}: cannot read image ({e.Message})", e);
        }
        return ImageDecoder.Decode(bytes, Channels, Describe(index));
    }

    public string Describe(int index) =>
        _origins is null ? _paths[index] : $"{_paths[index]} ({_origins[index]})";
}

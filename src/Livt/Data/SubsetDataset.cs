using Livt.Augmentation;

namespace Livt.Data;

/// <summary>A view of some samples of another dataset, e.g. a long-tailed subset of a balanced one.</summary>
public sealed class SubsetDataset : IImageDataset
{
    private readonly IImageDataset _source;
    private readonly int[] _indices;

    /// <summary>Sample i of the subset is sample <c>indices[i]</c> of <paramref name="source"/>.</summary>
    public SubsetDataset(IImageDataset source, int[] indices)
    {
        foreach (int i in indices)
            if ((uint)i >= (uint)source.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"index {i} outside a dataset of {source.Count}");
        _source = source;
        _indices = indices;
    }

    /// <summary>Indices of the subset's samples in the source dataset.</summary>
    public IReadOnlyList<int> SourceIndices => _indices;

    public int Count => _indices.Length;
    public int NumClasses => _source.NumClasses;
    public IReadOnlyList<string> ClassNames => _source.ClassNames;
    public int Channels => _source.Channels;
    public int GetLabel(int index) => _source.GetLabel(_indices[index]);
    public Image GetImage(int index) => _source.GetImage(_indices[index]);
    public string Describe(int index) => _source.Describe(_indices[index]);
}

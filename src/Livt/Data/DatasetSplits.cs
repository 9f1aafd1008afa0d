namespace Livt.Data;

/// <summary>A loaded dataset: its training and test splits and a readable name (e.g. "fashion-mnist-lt (IF 100, exp)").</summary>
public sealed record DatasetSplits(IImageDataset Train, IImageDataset Test, string Name);

namespace Livt.Data;

/// <summary>A loaded dataset: its training and test splits, a readable name (e.g. "fashion-mnist-lt
/// (IF 100, exp)"), and the validation split when the dataset ships one (a list file, or an
/// ImageFolder's val/ beside test/).</summary>
public sealed record DatasetSplits(IImageDataset Train, IImageDataset Test, string Name, IImageDataset? Validation = null);

using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Training.Setup;

namespace Livt.Training.Pretraining;

/// <summary>The augmentation of a pretraining method's loader: one view per image (MAE's crop and flip) or
/// several independently augmented views (the Siamese methods), exactly one of the two.</summary>
internal sealed record PretrainingViews
{
    private PretrainingViews(IImageTransform? single, MultiViewTransform? multi) => (Single, Multi) = (single, multi);

    /// <summary>One view per image: batches are [N, C, H, W].</summary>
    public static PretrainingViews One(IImageTransform view) => new(view, null);

    /// <summary>Several views per image: batches are [N, V, C, H, W].</summary>
    public static PretrainingViews Several(MultiViewTransform views) => new(null, views);

    /// <summary>The one-view transform, or null.</summary>
    public IImageTransform? Single { get; }

    /// <summary>The multi-view transform, or null.</summary>
    public MultiViewTransform? Multi { get; }

    /// <summary>Views per image.</summary>
    public int Count => Multi?.Count ?? 1;

    /// <summary>The run's training loader
    /// (<see cref="RunSetup.TrainLoader(TrainConfig, IImageDataset, IImageTransform, RunContext)"/>) with these views.</summary>
    public DataLoader Loader(TrainConfig config, IImageDataset train, RunContext context) =>
        Multi is not null ? RunSetup.TrainLoader(config, train, Multi, context) : RunSetup.TrainLoader(config, train, Single!, context);
}

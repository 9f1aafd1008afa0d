using Livt.Configuration;
using Livt.Data;
using Livt.Engine;

namespace Livt.Training.Setup;

/// <summary>
/// A run's data: the training images, the validation split when there is one, the test split, and
/// where the validation split came from. The dataset's own validation split (<c>--val-list</c>, an
/// ImageFolder's val/ beside test/) is used when it ships one; otherwise <c>--val-fraction</c> carves one
/// out of the training images, and then the class counts behind the prior and the shot groups are
/// those of the remaining training images, which <see cref="CountsNote"/> says.
/// </summary>
public sealed record TrainingData(IImageDataset Train, IImageDataset? Validation, IImageDataset Test, string Name, string CountsNote)
{
    /// <summary>Loads the dataset the config names and picks the validation split.</summary>
    /// <exception cref="LivtException">The data cannot be read, or <c>--save-best</c>/<c>--val-fraction</c>
    /// cannot be honoured.</exception>
    public static TrainingData Load(TrainConfig config)
    {
        var splits = DatasetCatalog.Load(new DatasetOptions
        {
            Name = config.Dataset,
            DataDir = config.DataDir,
            Imbalance = config.Imbalance,
            Profile = config.Profile,
            Split = config.LtSplit,
            Seed = config.Seed,
            TrainList = config.TrainList,
            TestList = config.TestList,
            ValList = config.ValList,
            SkipCorrupt = config.SkipCorrupt,
        });
        if (splits.Validation is { } shipped)
        {
            if (config.ValFraction > 0)
                throw new LivtException($"--val-fraction {config.ValFraction}: {splits.Name} has its own validation split ({shipped.Count} images); " +
                    "drop --val-fraction");
            return new TrainingData(splits.Train, shipped, splits.Test, splits.Name,
                $"class counts: all {splits.Train.Count} training images; validation: the dataset's own split ({shipped.Count} images)");
        }
        if (config.ValFraction > 0)
        {
            var (train, val) = StratifiedSplit.Split(splits.Train, config.ValFraction, Seeds.DeriveInt(config.Seed, 0, Seeds.Stream.Split));
            return new TrainingData(train, val, splits.Test, splits.Name,
                $"class counts: the {train.Count} training images left after holding out {val.Count} ({config.ValFraction:P0} of each class) for validation");
        }
        if (config.SaveBest)
            throw new LivtException($"--save-best: {splits.Name} has no validation split; give --val-list (list datasets), a val/ folder beside test/ " +
                "(imagefolder) or --val-fraction");
        return new TrainingData(splits.Train, null, splits.Test, splits.Name, $"class counts: all {splits.Train.Count} training images; no validation split");
    }
}

using Livt.Data;
using Livt.Engine;
using Livt.Interop;

namespace Livt.Inference;

/// <summary>
/// What a later step (a second stage, a post-hoc choice) needs to know about the data a saved
/// classifier was fine-tuned on: the dataset options that rebuild its long-tailed training split (from
/// the model's metadata and, when the model sits in its run folder, that run's <c>config.json</c>) and
/// the fraction fine-tuning held out for validation.
/// </summary>
/// <param name="Dataset">Options that load the same splits.</param>
/// <param name="ValFraction">The run's <c>val_fraction</c>; 0 when it held nothing out or is unknown.</param>
/// <param name="Seed">The run seed (long-tailed subset, validation split).</param>
public sealed record FineTunedData(DatasetOptions Dataset, double ValFraction, int Seed)
{
    /// <summary>Reads <paramref name="modelPath"/>'s metadata and its folder's config.json; explicit
    /// <paramref name="dataDir"/>, <paramref name="trainList"/>, <paramref name="testList"/> win.</summary>
    public static FineTunedData Of(string modelPath, ModelMetadata meta, string? dataDir = null, string? trainList = null, string? testList = null)
    {
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, "config.json");
        var run = RunData.Read(configPath);
        // A config.json of another dataset is not this model's run folder: trust only the metadata then.
        if (run is not null && run.Dataset != meta.Dataset) run = null;
        var dataset = new DatasetOptions
        {
            Name = meta.Dataset, Imbalance = meta.Imbalance, Seed = meta.Seed,
            Profile = run?.Profile?.ToLowerInvariant() == "step" ? LongTailProfile.Step : LongTailProfile.Exp,
            Split = Enum.TryParse<LongTailSplit>(run?.LtSplit, ignoreCase: true, out var split) ? split : null,
            DataDir = dataDir ?? run?.DataDir, TrainList = trainList ?? run?.TrainList, TestList = testList ?? run?.TestList,
            SkipCorrupt = run?.SkipCorrupt ?? false,
        };
        return new FineTunedData(dataset, run?.ValFraction ?? 0, meta.Seed);
    }

    /// <summary>The data keys a later step writes into its own config.json so that the steps after it find
    /// the same data; <paramref name="valFraction"/> is that step's own.</summary>
    public RunData ToRunData(double valFraction) => new()
    {
        Dataset = Dataset.Name, Profile = Dataset.Profile.ToString().ToLowerInvariant(),
        LtSplit = Dataset.Split?.ToString().ToLowerInvariant(), DataDir = Dataset.DataDir, TrainList = Dataset.TrainList,
        TestList = Dataset.TestList, SkipCorrupt = Dataset.SkipCorrupt, Seed = Seed, ValFraction = valFraction,
    };

    /// <summary>
    /// The validation set of a later step. With <paramref name="valList"/> (a list file of
    /// <c>relative/path label</c> lines under the dataset root, as ImageNet-LT's and Places-LT's val lists),
    /// those images, and the training split whole. Otherwise <paramref name="train"/> is split as
    /// fine-tuning does for <c>--val-fraction</c>: per class with <see cref="StratifiedSplit"/>, seeded by
    /// the run seed's <see cref="Seeds.Stream.Split"/> stream, so the fraction the run used holds out
    /// exactly the images it never trained on. Fraction 0 and no list: no validation set.
    /// </summary>
    public (IImageDataset Train, IImageDataset? Validation) Split(IImageDataset train, double fraction, string? valList = null)
    {
        if (valList is not null)
        {
            var root = Dataset.DataDir ?? throw new LivtException($"--val-list {valList}: needs the dataset root (--data-dir) its paths are relative to");
            var entries = ListFile.Parse(Path.Combine(root, valList), root);
            for (int i = 0; i < entries.Labels.Length; i++)
                if (entries.Labels[i] >= train.NumClasses)
                    throw new LivtException($"{entries.ListPath} line {entries.Lines[i]}: label {entries.Labels[i]} is outside the model's " +
                        $"{train.NumClasses} classes");
            var val = new FileImageDataset(entries.Paths, entries.Labels, train.ClassNames, entries.Origins());
            if (val.Channels != train.Channels)
                throw new LivtException($"--val-list {valList}: list images are read as {val.Channels}-channel, the training images have {train.Channels}");
            return (train, val);
        }
        if (fraction is < 0 or >= 1) throw new LivtException($"--val-fraction {fraction}: must be in [0, 1)");
        if (fraction == 0) return (train, null);
        var (t, v) = StratifiedSplit.Split(train, fraction, Seeds.DeriveInt(Seed, 0, Seeds.Stream.Split));
        return (t, v);
    }

    /// <summary>Describes a validation set for reports.</summary>
    public static string Describe(IImageDataset validation, double fraction, string? valList) => valList is not null
        ? $"{validation.Count} images of {valList}"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{validation.Count} training images held out, {fraction:P0} of each class");
}

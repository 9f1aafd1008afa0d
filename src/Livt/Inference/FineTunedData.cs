using System.Text.Json;
using System.Text.Json.Nodes;
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
        JsonObject? config = null;
        if (File.Exists(configPath))
        {
            try { config = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject; }
            catch (JsonException e) { throw new LivtException($"{configPath}: invalid JSON: {e.Message}"); }
        }
        // A config.json of another dataset is not this model's run folder: trust only the metadata then.
        if (config is not null && (string?)config["dataset"] != meta.Dataset) config = null;
        string? Text(string key) => config?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        double? Number(string key) => config?[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        bool Flag(string key) => config?[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

        var dataset = new DatasetOptions
        {
            Name = meta.Dataset, Imbalance = meta.Imbalance, Seed = meta.Seed,
            Profile = Text("profile")?.ToLowerInvariant() == "step" ? LongTailProfile.Step : LongTailProfile.Exp,
            Split = Enum.TryParse<LongTailSplit>(Text("lt_split"), ignoreCase: true, out var split) ? split : null,
            DataDir = dataDir ?? Text("data_dir"), TrainList = trainList ?? Text("train_list"), TestList = testList ?? Text("test_list"),
            SkipCorrupt = Flag("skip_corrupt"),
        };
        return new FineTunedData(dataset, Number("val_fraction") ?? 0, meta.Seed);
    }

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

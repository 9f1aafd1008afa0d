namespace Livt.Interop;

/// <summary>
/// What a classifier file without Livt's metadata (an official .pth, a converted safetensors) cannot
/// say about itself. Null fields take the defaults: timm's heads for the width, and the mean and std
/// LiVT's <c>util/datasets.py</c> evaluates its released classifiers with — ImageNet-LT's for 1000
/// classes, iNaturalist 2018's for 8142 — or ImageNet's otherwise (<see cref="Data.Normalization"/>);
/// <c>livt evaluate</c> names a benchmark given with <c>--dataset</c>. One group of flags of
/// <c>livt evaluate</c>, <c>predict</c> and <c>export</c>.
/// </summary>
public sealed record RawCheckpointOptions
{
    /// <summary>Attention heads (the weights do not show them).</summary>
    [Setting("Attention heads of a checkpoint without Livt metadata (default: timm's for its width: 192→3, 384→6, 768→12, 1024/1280→16)")]
    public int? NumHeads { get; init; }

    /// <summary>The dataset whose official constants to normalise with (<see cref="Data.Normalization.OfficialNames"/>);
    /// <see cref="Mean"/> and <see cref="Std"/> win over it.</summary>
    [Setting("Normalise a checkpoint without Livt metadata with the constants LiVT's util/datasets.py uses for a dataset: {NormalizationNames}. " +
        "Default: the --dataset's (evaluate, predict) if it is one of them, else imagenet-lt for 1000 classes and inat18 for 8142 (LiVT's released " +
        "checkpoints), imagenet otherwise")]
    public string? Normalization { get; init; }

    /// <summary>Per-channel input mean.</summary>
    [Setting("Per-channel input mean for a checkpoint without Livt metadata, as for training: --mean 0.485 0.456 0.406 (or comma-separated); wins " +
        "over --normalization")]
    public float[]? Mean { get; init; }

    /// <summary>Per-channel input std.</summary>
    [Setting("Per-channel input std for a checkpoint without Livt metadata; wins over --normalization")]
    public float[]? Std { get; init; }

    /// <summary>The names <see cref="Normalization"/> takes, as its help lists them.</summary>
    public static string NormalizationNames => string.Join(" | ", Data.Normalization.OfficialNames);
}

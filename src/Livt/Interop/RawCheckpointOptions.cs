namespace Livt.Interop;

/// <summary>
/// What a classifier file without Livt's metadata (an official .pth, a converted safetensors) cannot
/// say about itself. Null fields take the defaults: timm's heads for the width, and the mean and std
/// LiVT's <c>util/datasets.py</c> evaluates its released classifiers with — ImageNet-LT's for 1000
/// classes, iNaturalist 2018's for 8142 — or ImageNet's otherwise (<see cref="Data.Normalization"/>); the CLI names a benchmark given with <c>--dataset</c>.
/// </summary>
public sealed record RawCheckpointOptions
{
    /// <summary>Attention heads (the weights do not show them).</summary>
    public int? NumHeads { get; init; }

    /// <summary>The dataset whose official constants to normalise with (<see cref="Data.Normalization.OfficialNames"/>);
    /// <see cref="Mean"/> and <see cref="Std"/> win over it.</summary>
    public string? Normalization { get; init; }

    /// <summary>Per-channel input mean.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel input std.</summary>
    public float[]? Std { get; init; }
}

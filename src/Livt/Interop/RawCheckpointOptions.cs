namespace Livt.Interop;

/// <summary>
/// What a classifier file without Livt's metadata (an official .pth, a converted safetensors) cannot
/// say about itself. Null fields take the defaults: timm's heads for the width, and ImageNet's mean and
/// std as MAE normalises (their channel average for grey-scale).
/// </summary>
public sealed record RawCheckpointOptions
{
    /// <summary>Attention heads (the weights do not show them).</summary>
    public int? NumHeads { get; init; }

    /// <summary>Per-channel input mean.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel input std.</summary>
    public float[]? Std { get; init; }
}

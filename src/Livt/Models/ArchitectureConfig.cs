using System.Text.Json.Serialization;

namespace Livt.Models;

/// <summary>
/// What every classifier architecture records in a model file and what evaluation, prediction and export
/// need of it without knowing the family: the input size and channels and the number of classes. The
/// families add their own shape: <see cref="VitConfig"/> (ViT, and the MAE that pretrains it) and
/// <see cref="ResNetConfig"/> (the CNNs).
/// </summary>
public abstract record ArchitectureConfig
{
    /// <summary>Input height and width in pixels (square images).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Input channels (3 for RGB, 1 for grey-scale).</summary>
    public int InChans { get; init; } = 3;

    /// <summary>Output classes of the classifier head.</summary>
    public int NumClasses { get; init; } = 1000;

    /// <summary>A short name of the shape for reports, e.g. "128d-6L-p4" or "resnet32".</summary>
    [JsonIgnore]
    public abstract string Summary { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public abstract void Validate();

    /// <summary>Throws <see cref="ArgumentException"/> with <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    protected static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"invalid model configuration: {message}");
    }
}

using Livt.Engine;
using Livt.Interop;
using Livt.Models;

namespace Livt.Training.Setup;

/// <summary>
/// The checkpoint a fine-tuning run starts from (<c>--init</c>), open for the length of the run, or none
/// when it trains from scratch. Its metadata fixes the input normalisation: the encoder learnt on
/// inputs normalised its way.
/// </summary>
internal sealed class EncoderInit : IDisposable
{
    private readonly WeightsFile? _file;
    private readonly ModelMetadata? _meta;

    private EncoderInit(WeightsFile? file, ModelMetadata? meta, string? path) => (_file, _meta, Path) = (file, meta, path);

    /// <summary>Opens <paramref name="init"/> (a run folder, safetensors or .pth); null opens nothing.</summary>
    public static EncoderInit Open(string? init)
    {
        if (init is null) return new EncoderInit(null, null, null);
        var (file, meta, path) = ModelCheckpoint.Open(init);
        return new EncoderInit(file, meta, path);
    }

    /// <summary>The checkpoint's file, or null from scratch.</summary>
    public string? Path { get; }

    /// <summary>The mean and std the checkpoint was trained with, when its metadata says.</summary>
    public (float[] Mean, float[] Std)? Normalization => _meta is null ? null : (_meta.Mean, _meta.Std);

    /// <summary>", encoder from …" or ", from scratch", for the run's opening message.</summary>
    public string Describe() => _file is null ? ", from scratch" : $", encoder from {Path}";

    /// <summary>Loads the encoder into <paramref name="model"/> (position embedding resampled as needed);
    /// does nothing from scratch.</summary>
    public void LoadInto(ClassifierModel model, ITrainingObserver observer)
    {
        if (_file is not null) EncoderLoader.Load(model, _file, _meta, Path!, observer);
    }

    public void Dispose() => _file?.Dispose();
}

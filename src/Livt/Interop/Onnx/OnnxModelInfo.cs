using System.Globalization;
using System.Text.Json;

namespace Livt.Interop.Onnx;

/// <summary>
/// What an exported classifier carries besides its graph, as <c>livt.*</c> strings in the ONNX model's
/// <c>metadata_props</c>: the class names, how to preprocess an image for it, and which post-hoc prior
/// adjustment (if any) is baked into its logits. Enough to use the file with ONNX Runtime alone.
/// </summary>
public sealed record OnnxModelInfo
{
    /// <summary>The graph input: float32 [N, C, H, W], pixel values in [0, 1] (normalised inside).</summary>
    public const string InputName = "image";

    /// <summary>The graph output of scores [N, classes] (with the baked prior adjustment, if any).</summary>
    public const string LogitsName = "logits";

    /// <summary>The graph output softmax(logits) [N, classes].</summary>
    public const string ProbabilitiesName = "probabilities";

    /// <summary>One name per output class, in order.</summary>
    public required string[] ClassNames { get; init; }

    /// <summary>Input height and width in pixels (square).</summary>
    public required int InputSize { get; init; }

    /// <summary>Input channels: 1 (grayscale) or 3 (RGB).</summary>
    public required int InChans { get; init; }

    /// <summary>Per-channel mean the graph subtracts (1 value broadcasts over all channels).</summary>
    public required float[] Mean { get; init; }

    /// <summary>Per-channel std the graph divides by.</summary>
    public required float[] Std { get; init; }

    /// <summary>Evaluation preprocessing: the shorter side is resized to floor(InputSize / CropPct), then the
    /// central InputSize square is kept (Livt's evaluation: 0.875 up to 224 px, 1 above).</summary>
    public required double CropPct { get; init; }

    /// <summary>Resampling of that resize ("bicubic": Keys cubic, a = −0.5, as PIL and torchvision).</summary>
    public string Interpolation { get; init; } = "bicubic";

    /// <summary>The <c>--test-prior</c> baked into the logits (uniform, train, or a file's name); null: raw logits.</summary>
    public string? TestPrior { get; init; }

    /// <summary>Strength of the baked adjustment.</summary>
    public double Tau { get; init; } = 1.0;

    /// <summary>The loss the model was trained with (which prior its raw logits assume).</summary>
    public string? Loss { get; init; }

    /// <summary>The dataset the model was trained on.</summary>
    public string? Dataset { get; init; }

    /// <summary>The Livt version that wrote the file.</summary>
    public required string LivtVersion { get; init; }

    /// <summary>The <c>metadata_props</c> entries, key → value.</summary>
    public IReadOnlyDictionary<string, string> ToMetadataProps()
    {
        var props = new Dictionary<string, string>
        {
            ["livt.version"] = LivtVersion,
            ["livt.class_names"] = JsonSerializer.Serialize(ClassNames),
            ["livt.input_size"] = InputSize.ToString(CultureInfo.InvariantCulture),
            ["livt.in_chans"] = InChans.ToString(CultureInfo.InvariantCulture),
            ["livt.mean"] = JsonSerializer.Serialize(Mean),
            ["livt.std"] = JsonSerializer.Serialize(Std),
            ["livt.crop_pct"] = CropPct.ToString("R", CultureInfo.InvariantCulture),
            ["livt.interpolation"] = Interpolation,
            ["livt.test_prior"] = TestPrior ?? "none",
            ["livt.tau"] = Tau.ToString("R", CultureInfo.InvariantCulture),
        };
        if (Loss is not null) props["livt.loss"] = Loss;
        if (Dataset is not null) props["livt.dataset"] = Dataset;
        return props;
    }

    /// <summary>Reads the entries back; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="LivtException">A key is missing or its value unreadable.</exception>
    public static OnnxModelInfo FromMetadataProps(IReadOnlyDictionary<string, string> props, string source)
    {
        string Get(string key) => props.TryGetValue(key, out var v)
            ? v
            : throw new LivtException($"{source}: no '{key}' in the model's metadata_props: not a classifier written by livt export");
        T Parse<T>(string key, Func<string, T?> parse) where T : class
        {
            var text = Get(key);
            try
            {
                return parse(text) ?? throw new FormatException("null");
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                throw new LivtException($"{source}: metadata_props '{key}' = '{text}' is unreadable: {e.Message}");
            }
        }
        int ParseInt(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new LivtException($"{source}: metadata_props '{key}' = '{Get(key)}' is not a positive integer");
        double ParseDouble(string key) => double.TryParse(Get(key), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new LivtException($"{source}: metadata_props '{key}' = '{Get(key)}' is not a number");

        var info = new OnnxModelInfo
        {
            LivtVersion = Get("livt.version"),
            ClassNames = Parse("livt.class_names", t => JsonSerializer.Deserialize<string[]>(t)),
            InputSize = ParseInt("livt.input_size"),
            InChans = ParseInt("livt.in_chans"),
            Mean = Parse("livt.mean", t => JsonSerializer.Deserialize<float[]>(t)),
            Std = Parse("livt.std", t => JsonSerializer.Deserialize<float[]>(t)),
            CropPct = ParseDouble("livt.crop_pct"),
            Interpolation = Get("livt.interpolation"),
            TestPrior = Get("livt.test_prior") is var prior && prior != "none" ? prior : null,
            Tau = ParseDouble("livt.tau"),
            Loss = props.GetValueOrDefault("livt.loss"),
            Dataset = props.GetValueOrDefault("livt.dataset"),
        };
        if (info.InChans is not (1 or 3))
            throw new LivtException($"{source}: metadata_props 'livt.in_chans' = {info.InChans}: images have 1 or 3 channels");
        if (info.CropPct is <= 0 or > 1)
            throw new LivtException($"{source}: metadata_props 'livt.crop_pct' = {info.CropPct}: must be in (0, 1]");
        if (info.Interpolation != "bicubic")
            throw new LivtException($"{source}: metadata_props 'livt.interpolation' = '{info.Interpolation}': only bicubic is supported");
        return info;
    }
}

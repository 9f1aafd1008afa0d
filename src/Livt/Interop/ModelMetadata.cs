using System.Text.Json;
using System.Text.Json.Serialization;
using Livt.Models;


namespace Livt.Interop;

/// <summary>
/// What a saved model needs besides its weights to be evaluated or used for prediction with nothing
/// else at hand: architecture, preprocessing and the training label distribution. Stored as
/// <c>livt.*</c> strings in the safetensors <c>__metadata__</c> map, beside timm/MAE-named weights.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>"vit" for a classifier, "mae" for an MGP (masked autoencoder) checkpoint.</summary>
    public required string Kind { get; init; }
    public required VitConfig Model { get; init; }
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    public required string[] ClassNames { get; init; }
    /// <summary>Training images per class: the prior used by balanced losses, shot groups and
    /// post-hoc logit adjustment.</summary>
    public required long[] ClassCounts { get; init; }
    public required string Dataset { get; init; }
    public double Imbalance { get; init; }
    public int Seed { get; init; }
    /// <summary>The loss a classifier was trained with (which prior its logits assume); null for MGP.</summary>
    public string? Loss { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The metadata map as written into the safetensors header.</summary>
    public Dictionary<string, string> ToSafeTensorsMetadata() => new()
    {
        ["format"] = "pt", // what the Python safetensors library expects for torch tensors
        ["livt.kind"] = Kind,
        ["livt.model"] = JsonSerializer.Serialize(Model, Json),
        ["livt.mean"] = JsonSerializer.Serialize(Mean),
        ["livt.std"] = JsonSerializer.Serialize(Std),
        ["livt.class_names"] = JsonSerializer.Serialize(ClassNames),
        ["livt.class_counts"] = JsonSerializer.Serialize(ClassCounts),
        ["livt.dataset"] = Dataset,
        ["livt.imbalance"] = Imbalance.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["livt.seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["livt.loss"] = Loss ?? "",
    };

    /// <summary>Reads the metadata back; <paramref name="source"/> names the file in errors.</summary>
    public static ModelMetadata FromSafeTensorsMetadata(IReadOnlyDictionary<string, string> m, string source)
    {
        string Get(string key) => m.TryGetValue(key, out var v)
            ? v
            : throw new LivtException($"{source}: no '{key}' in the metadata: not a model saved by Livt (a raw timm/MAE file can be loaded with --init)");
        try
        {
            return new ModelMetadata
            {
                Kind = Get("livt.kind"),
                Model = JsonSerializer.Deserialize<VitConfig>(Get("livt.model"), Json)!,
                Mean = JsonSerializer.Deserialize<float[]>(Get("livt.mean"))!,
                Std = JsonSerializer.Deserialize<float[]>(Get("livt.std"))!,
                ClassNames = JsonSerializer.Deserialize<string[]>(Get("livt.class_names"))!,
                ClassCounts = JsonSerializer.Deserialize<long[]>(Get("livt.class_counts"))!,
                Dataset = Get("livt.dataset"),
                Imbalance = m.TryGetValue("livt.imbalance", out var imb) ? double.Parse(imb, System.Globalization.CultureInfo.InvariantCulture) : 0,
                Seed = m.TryGetValue("livt.seed", out var seed) ? int.Parse(seed, System.Globalization.CultureInfo.InvariantCulture) : 0,
                Loss = m.TryGetValue("livt.loss", out var loss) && loss.Length > 0 ? loss : null,
            };
        }
        catch (JsonException e)
        {
            throw new LivtException($"{source}: unreadable Livt metadata: {e.Message}");
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Livt.Inference;

/// <summary>
/// The keys of a run's <c>config.json</c> that say which data it trained on — written by every training
/// command and by <c>retrain-head</c> — read back typed, so that evaluate and the second stages rebuild the
/// same splits. Other keys of the file are the command's own and are ignored here.
/// </summary>
public sealed record RunData
{
    /// <summary>The dataset name (<c>fashion-mnist-lt</c>, <c>list</c>, …).</summary>
    [JsonPropertyName("dataset")] public string? Dataset { get; init; }
    /// <summary>Long-tail profile of the <c>*-lt</c> datasets: <c>exp</c> or <c>step</c>.</summary>
    [JsonPropertyName("profile")] public string? Profile { get; init; }
    /// <summary>Which images of each class the <c>*-lt</c> datasets keep (<c>ldam</c>, <c>cui</c>, <c>livt</c>).</summary>
    [JsonPropertyName("lt_split")] public string? LtSplit { get; init; }
    /// <summary>The dataset root.</summary>
    [JsonPropertyName("data_dir")] public string? DataDir { get; init; }
    /// <summary>The training list file (<c>list</c> datasets).</summary>
    [JsonPropertyName("train_list")] public string? TrainList { get; init; }
    /// <summary>The test list file (<c>list</c> datasets).</summary>
    [JsonPropertyName("test_list")] public string? TestList { get; init; }
    /// <summary>Whether unreadable images were skipped.</summary>
    [JsonPropertyName("skip_corrupt")] public bool SkipCorrupt { get; init; }
    /// <summary>The run seed.</summary>
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    /// <summary>The fraction of each class held out for validation.</summary>
    [JsonPropertyName("val_fraction")] public double? ValFraction { get; init; }

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The data keys of the <c>config.json</c> at <paramref name="path"/>; null when there is none.</summary>
    /// <exception cref="LivtException">The file is not JSON, or a data key has a value of the wrong type.</exception>
    public static RunData? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<RunData>(File.ReadAllText(path), Json)
                   ?? throw new LivtException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new LivtException($"{path}: {(e.Path is { Length: > 2 } p ? $"setting '{p[2..]}': " : "")}{e.Message}");
        }
    }

    /// <summary>The data keys as JSON, to write beside a command's own settings.</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();
}

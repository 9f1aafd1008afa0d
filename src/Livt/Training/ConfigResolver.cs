using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Livt.Training;

/// <summary>
/// Builds a <see cref="TrainConfig"/> for one stage from the defaults, a recipe and explicit overrides.
/// A recipe is JSON with optional <c>description</c>, <c>common</c>, <c>pretrain</c> and <c>finetune</c>
/// objects whose keys are <see cref="TrainConfig"/>'s JSON names. Recipes ship inside the library
/// (<see cref="BuiltInRecipes"/>), so <c>--config quickstart</c> works from any folder; a path works too.
/// </summary>
public static class ConfigResolver
{
    /// <summary>JSON options for configs: snake_case names, unknown keys rejected.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    private const string ResourcePrefix = "Livt.recipes.";

    /// <summary>Names of the recipes compiled into the library (file names without .json).</summary>
    public static IReadOnlyList<string> BuiltInRecipes { get; } = typeof(ConfigResolver).Assembly
        .GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".json".Length])
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray();

    /// <summary>Reads a recipe by built-in name or file path.</summary>
    public static JsonObject ReadRecipe(string nameOrPath)
    {
        string text, source;
        if (File.Exists(nameOrPath))
        {
            text = File.ReadAllText(nameOrPath);
            source = nameOrPath;
        }
        else if (BuiltInRecipes.Contains(nameOrPath))
        {
            using var s = typeof(ConfigResolver).Assembly.GetManifestResourceStream(ResourcePrefix + nameOrPath + ".json")!;
            text = new StreamReader(s).ReadToEnd();
            source = $"built-in recipe '{nameOrPath}'";
        }
        else
        {
            throw new LivtException($"config '{nameOrPath}' is neither a file nor a built-in recipe ({string.Join(", ", BuiltInRecipes)})");
        }
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new LivtException($"{source}: a recipe must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new LivtException($"{source}: invalid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Resolves the config of <paramref name="stage"/> ("pretrain" or "finetune"): defaults, then the
    /// recipe's <c>common</c> and <c>stage</c> sections, then <paramref name="overrides"/> (JSON names).
    /// </summary>
    public static TrainConfig Resolve(string stage, JsonObject? recipe, JsonObject? overrides)
    {
        var merged = (JsonObject)JsonSerializer.SerializeToNode(new TrainConfig(), JsonOptions)!;
        if (recipe is not null)
        {
            foreach (var key in recipe.Select(kv => kv.Key))
                if (key is not ("description" or "common" or "pretrain" or "finetune"))
                    throw new LivtException($"recipe key '{key}' is not one of description, common, pretrain, finetune");
            Overlay(merged, recipe["common"] as JsonObject, "common");
            Overlay(merged, recipe[stage] as JsonObject, stage);
        }
        Overlay(merged, overrides, "options");
        try
        {
            return merged.Deserialize<TrainConfig>(JsonOptions)!;
        }
        catch (JsonException e)
        {
            throw new LivtException($"config: {e.Message}");
        }
    }

    /// <summary>Reads a run's resolved <c>config.json</c>.</summary>
    public static TrainConfig ReadResolved(string path)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: not found (is this a Livt run folder?)");
        try
        {
            return JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), JsonOptions)
                   ?? throw new LivtException($"{path}: empty config");
        }
        catch (JsonException e)
        {
            throw new LivtException($"{path}: {e.Message}");
        }
    }

    /// <summary>Writes a resolved config as JSON, atomically.</summary>
    public static void Write(TrainConfig config, string path) =>
        Interop.AtomicFile.WriteText(path, JsonSerializer.Serialize(config, JsonOptions));

    private static readonly HashSet<string> KnownKeys = typeof(TrainConfig)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null)
        .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
        .ToHashSet();

    private static void Overlay(JsonObject target, JsonObject? source, string where)
    {
        if (source is null) return;
        foreach (var (key, value) in source)
        {
            if (!KnownKeys.Contains(key))
                throw new LivtException($"{where}: unknown setting '{key}' (known: {string.Join(", ", KnownKeys.Order())})");
            target[key] = value?.DeepClone();
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Livt.Configuration;

/// <summary>
/// Builds a <see cref="TrainConfig"/> for one stage from the defaults, a recipe and explicit overrides.
/// A recipe is JSON with optional <c>description</c>, <c>common</c>, <c>pretrain</c> and <c>finetune</c>
/// objects whose keys are the settings' keys (<see cref="Setting"/>). Recipes ship inside the library
/// (<see cref="BuiltInRecipes"/>), so <c>--config quickstart</c> works from any folder; a path works too.
/// Later layers win: defaults, recipe <c>common</c>, recipe stage section, then the overrides (the
/// command line), and a layer that gives <c>blr</c> without <c>lr</c> clears an earlier layer's
/// <c>lr</c> (they are two spellings of one setting, so whatever the user typed last must win).
/// </summary>
public static class ConfigResolver
{
    /// <summary>JSON options for configs: snake_case names, enums as kebab-case words, unknown keys rejected.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new KebabEnumConverter() },
    };

    /// <summary>The settings that may change when a run is resumed: how it executes, not what it computes.</summary>
    public static IReadOnlyList<string> ResumableKeys { get; } = ["threads", "workers", "device", "save_every_steps", "dist_timeout"];

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
            text = ReadText(nameOrPath);
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
        JsonObject recipe;
        try
        {
            recipe = JsonNode.Parse(text) as JsonObject ?? throw new LivtException($"{source}: a recipe must be a JSON object");
            // JsonObject finds a key given twice only when its members are first read.
            CheckDuplicateKeys(recipe);
        }
        catch (JsonException e)
        {
            throw new LivtException($"{source}: invalid JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new LivtException($"{source}: {e.Message.Replace(" (Parameter 'key')", "", StringComparison.Ordinal)}");
        }
        foreach (var key in recipe.Select(kv => kv.Key))
            if (key is not ("description" or "common" or "pretrain" or "finetune"))
                throw new LivtException($"{source}: key '{key}' is not one of description, common, pretrain, finetune");
        foreach (var section in new[] { "common", "pretrain", "finetune" })
            if (recipe[section] is { } node)
                CheckLayer(node as JsonObject ?? throw new LivtException($"{source}: '{section}' must be an object"), $"{source}, {section}", flags: false);
        return recipe;
    }

    /// <summary>
    /// Resolves the config of <paramref name="stage"/> ("pretrain" or "finetune"): defaults, then the
    /// recipe's <c>common</c> and <c>stage</c> sections, then <paramref name="overrides"/> (setting keys,
    /// as given on the command line), and checks it (<see cref="TrainConfigRules.Check"/>).
    /// </summary>
    /// <exception cref="LivtException">An unknown key, a value of the wrong type, or a rule broken; the
    /// message names the flag or the recipe key.</exception>
    public static TrainConfig Resolve(string stage, JsonObject? recipe, JsonObject? overrides)
    {
        var merged = Defaults();
        Overlay(merged, recipe?["common"] as JsonObject, "recipe common", flags: false);
        Overlay(merged, recipe?[stage] as JsonObject, $"recipe {stage}", flags: false);
        Overlay(merged, overrides, "command line", flags: true);
        var config = Deserialize(merged, "config");
        CheckMethodFlags(config, overrides);
        // The official names (ImageNet-LT, vit_base_patch16) are recorded as Livt's.
        config = config with
        {
            Dataset = Data.DatasetCatalog.Canonical(config.Dataset) ?? config.Dataset,
            Model = Models.ModelPresets.Canonical(config.Model) ?? config.Model,
        };
        TrainConfigRules.Check(config, stage);
        return config;
    }

    /// <summary>Every setting at its default: <see cref="TrainConfig"/>'s, then each method options record's.</summary>
    private static JsonObject Defaults()
    {
        var node = (JsonObject)JsonSerializer.SerializeToNode(new TrainConfig(), JsonOptions)!;
        foreach (var type in Methods.LongTailMethods.All.Select(m => m.OptionsType).OfType<Type>().Distinct())
            foreach (var (key, value) in (JsonObject)JsonSerializer.SerializeToNode(Activator.CreateInstance(type), type, JsonOptions)!)
                node[key] = value?.DeepClone();
        return node;
    }

    /// <summary>A flag of a method the run does not use is a mistake, not something to ignore: a setting that
    /// belongs to methods (<see cref="Setting.Owners"/>) given on the command line needs one of them to be the
    /// run's loss or switched on. A recipe's values are not checked: they fit the recipe's own loss, and a
    /// command line that changes the loss leaves them unused.</summary>
    private static void CheckMethodFlags(TrainConfig config, JsonObject? overrides)
    {
        if (overrides is null) return;
        var used = UsedMethods(config);
        foreach (var key in overrides.Select(kv => kv.Key))
            if (Setting.ByKey(key) is { Owners.Count: > 0 } s && !s.Owners.Any(used.Contains))
                throw new LivtException($"{s.Flag}: a setting of {string.Join(", ", s.Owners.Select(Describe))}, which this run does not use " +
                    $"(its loss is {config.Loss}); drop {s.Flag} or choose that method");
        static string Describe(Methods.LongTailMethod m) => m.SwitchKey is { } on ? $"--{on.Replace('_', '-')}" : $"--loss {m.Name}";
    }

    /// <summary>The methods a run uses: its loss, and every method whose switch is on.</summary>
    public static IReadOnlyList<Methods.LongTailMethod> UsedMethods(TrainConfig config)
    {
        var loss = Methods.LongTailMethods.Find(config.Loss);
        return Methods.LongTailMethods.All
            .Where(m => m.SwitchKey is { } on ? Setting.ByKey(on)?.Property.GetValue(config) is { } value && value is not false : m == loss)
            .ToArray();
    }

    /// <summary>
    /// The config of the run in <paramref name="runDir"/> for <c>--resume</c>: its <c>config.json</c>
    /// as written, with only <see cref="ResumableKeys"/> taken from <paramref name="overrides"/>.
    /// </summary>
    /// <exception cref="LivtException">No config.json there, or an override of a setting that decides
    /// what the run computes.</exception>
    public static TrainConfig ForResume(string runDir, JsonObject? overrides)
    {
        runDir = RunFolderOf(runDir);
        var path = Path.Combine(runDir, "config.json");
        var config = ReadResolved(path);
        var node = (JsonObject)JsonSerializer.SerializeToNode(config, JsonOptions)!;
        if (overrides is not null)
        {
            var fixedKeys = overrides.Select(kv => kv.Key).Where(k => !ResumableKeys.Contains(k)).ToList();
            if (fixedKeys.Count > 0)
                throw new LivtException($"--resume {runDir}: the run's settings come from {path}; " +
                    $"{string.Join(", ", fixedKeys.Select(FlagOf))} cannot change on resume " +
                    $"(only {string.Join(", ", ResumableKeys.Select(FlagOf))} may be given with it)");
            Overlay(node, overrides, "command line", flags: true);
        }
        node["out"] = Path.GetFullPath(runDir);
        return Deserialize(node, path);
    }

    /// <summary>The run folder <c>--resume</c> names: the folder itself, or the folder of a file in it (the
    /// official scripts take the checkpoint file).</summary>
    /// <exception cref="LivtException">A file outside a Livt run folder, such as an official .pth.</exception>
    private static string RunFolderOf(string resume)
    {
        if (!File.Exists(resume)) return resume;
        string folder = Path.GetDirectoryName(Path.GetFullPath(resume))!;
        return File.Exists(Path.Combine(folder, "config.json"))
            ? folder
            : throw new LivtException($"--resume {resume}: continues a Livt run from its folder (with config.json); to start from a checkpoint of the " +
                $"official code, use --init {resume}");
    }

    /// <summary>Reads a run's resolved <c>config.json</c>.</summary>
    public static TrainConfig ReadResolved(string path)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: not found (is this a Livt run folder?)");
        try
        {
            var config = JsonSerializer.Deserialize<TrainConfig>(ReadText(path), JsonOptions)
                         ?? throw new LivtException($"{path}: empty config");
            // Keys no setting has land among the method settings: they are as unknown as anywhere else.
            if (config.MethodSettings?.Keys.FirstOrDefault(k => Setting.ByKey(k) is null) is { } unknown)
                throw new LivtException($"{path}: unknown setting '{unknown}'");
            return config;
        }
        catch (JsonException e)
        {
            throw new LivtException($"{path}: {(e.Path is { Length: > 2 } p ? $"setting '{p[2..]}': " : "")}{e.Message}");
        }
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LivtException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Writes a resolved config as JSON, atomically.</summary>
    public static void Write(TrainConfig config, string path) =>
        Interop.AtomicFile.WriteText(path, JsonSerializer.Serialize(config, JsonOptions));

    private static void CheckDuplicateKeys(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o: foreach (var (_, v) in o) CheckDuplicateKeys(v); break;
            case JsonArray a: foreach (var v in a) CheckDuplicateKeys(v); break;
        }
    }

    private static string FlagOf(string key) => Setting.ByKey(key)?.Flag ?? key;

    private static TrainConfig Deserialize(JsonObject node, string where)
    {
        try
        {
            return node.Deserialize<TrainConfig>(JsonOptions)!;
        }
        catch (JsonException e)
        {
            throw new LivtException($"{where}: {e.Message}");
        }
    }

    /// <summary>Checks every key and value of one layer on its own, so an error names where it came from.</summary>
    private static void CheckLayer(JsonObject layer, string where, bool flags)
    {
        foreach (var (key, value) in layer)
        {
            var setting = Setting.ByKey(key)
                ?? throw new LivtException($"{where}: unknown setting '{key}' (known: {string.Join(", ", Setting.All.Select(s => s.Key).Order())})");
            try
            {
                if (value is null)
                {
                    if (setting.Property.PropertyType.IsValueType && Nullable.GetUnderlyingType(setting.Property.PropertyType) is null)
                        throw new JsonException("it cannot be null");
                }
                else
                {
                    value.Deserialize(setting.Property.PropertyType, JsonOptions);
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new LivtException(flags
                    ? $"{setting.Flag} {value?.ToJsonString()}: {e.Message}"
                    : $"{where}: '{key}' = {value?.ToJsonString() ?? "null"}: {e.Message}");
            }
        }
    }

    private static void Overlay(JsonObject target, JsonObject? layer, string where, bool flags)
    {
        if (layer is null) return;
        CheckLayer(layer, where, flags);
        foreach (var (key, value) in layer) target[key] = value?.DeepClone();
        if (layer.ContainsKey("blr") && !layer.ContainsKey("lr")) target["lr"] = null;
    }
}

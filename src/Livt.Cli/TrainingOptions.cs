using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Livt.Configuration;

namespace Livt.Cli;

/// <summary>
/// The training flags of <c>pretrain</c>, <c>finetune</c> and <c>quickstart</c>, generated from the
/// settings' single definition (<see cref="Setting.All"/>): one option per setting, named as LiVT's and
/// MAE's scripts name them (in kebab-case). Only flags the user actually gave override the recipe.
/// </summary>
internal sealed class TrainingOptions
{
    private readonly List<(Option Option, Setting Setting)> _all = [];

    public Option<string?> Config { get; } = new("--config") { Description = "Recipe: a built-in name (quickstart, imagenet-lt, inat18, places-lt, " +
        "cifar10-lt, cifar100-lt) or a JSON file. Default: quickstart" };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run in this folder from its last checkpoint (its " +
        "config.json is used)" };

    /// <param name="finetune">Whether the command fine-tunes (offers the fine-tuning-only flags).</param>
    public TrainingOptions(bool finetune)
    {
        foreach (var setting in Setting.All)
        {
            if (setting.Info.FinetuneOnly && !finetune) continue;
            Option option = setting.ValueType switch
            {
                var t when t == typeof(int) => new Option<int>(setting.Flag),
                var t when t == typeof(double) => new Option<double>(setting.Flag),
                var t when t == typeof(bool) => new Option<bool>(setting.Flag),
                var t when t == typeof(double[]) => new Option<double[]>(setting.Flag) { AllowMultipleArgumentsPerToken = true },
                _ => new Option<string>(setting.Flag),
            };
            option.Description = setting.Description;
            _all.Add((option, setting));
        }
    }

    /// <summary>
    /// Adds the options to <paramref name="command"/>: all of them for a stage command; for
    /// <c>quickstart</c> (<paramref name="stageOnly"/> false) neither --config/--resume nor the flags
    /// that name one stage's run (--out, --epochs), which it replaces with its own.
    /// </summary>
    public void AddTo(Command command, bool stageOnly = true)
    {
        if (stageOnly)
        {
            command.Add(Config);
            command.Add(Resume);
        }
        foreach (var (option, setting) in _all)
            if (stageOnly || !setting.Info.PerStage)
                command.Add(option);
    }

    /// <summary>The flags the user gave, as setting keys and JSON values (left for the resolver to check).</summary>
    public JsonObject Overrides(ParseResult parse)
    {
        var result = new JsonObject();
        foreach (var (option, setting) in _all)
        {
            if (parse.GetResult(option) is not { Implicit: false }) continue;
            object? value = option switch
            {
                Option<string> s => parse.GetValue(s),
                Option<int> i => parse.GetValue(i),
                Option<double> d => parse.GetValue(d),
                Option<bool> b => parse.GetValue(b),
                Option<double[]> a => parse.GetValue(a),
                _ => throw new InvalidOperationException(option.Name),
            };
            result[setting.Key] = setting.Info.NoneIsNull && value is string text && text.Equals("none", StringComparison.OrdinalIgnoreCase)
                ? null
                : JsonSerializer.SerializeToNode(value);
        }
        return result;
    }
}

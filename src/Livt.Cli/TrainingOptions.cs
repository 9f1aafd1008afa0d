using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Livt.Configuration;

namespace Livt.Cli;

/// <summary>
/// The training flags of <c>pretrain</c>, <c>finetune</c> and <c>quickstart</c>, generated from the
/// settings' single definition (<see cref="Setting.All"/>): one option per setting, named as LiVT's and
/// MAE's scripts name them (in kebab-case). Only flags the user actually gave override the recipe, so
/// help shows no defaults: the recipe has them.
/// </summary>
internal sealed class TrainingOptions
{
    private readonly List<SettingOption> _all = [];

    public Option<string?> Config { get; } = new("--config") { Description = "Recipe: a built-in name (quickstart, imagenet-lt, inat18, places-lt, " +
        "cifar10-lt, cifar100-lt) or a JSON file. Default: quickstart" };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run in this folder from its last checkpoint (its " +
        "config.json is used)" };

    /// <param name="finetune">Whether the command fine-tunes (offers the fine-tuning-only flags).</param>
    public TrainingOptions(bool finetune)
    {
        foreach (var setting in Setting.All)
            if (!setting.Info.FinetuneOnly || finetune)
                _all.Add(new SettingOption(setting));
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
        foreach (var option in _all)
            if (stageOnly || !option.Setting.Info.PerStage)
                command.Add(option.Option);
    }

    /// <summary>The flags the user gave, as setting keys and JSON values (left for the resolver to check).</summary>
    public JsonObject Overrides(ParseResult parse)
    {
        var result = new JsonObject();
        foreach (var option in _all.Where(o => o.Given(parse)))
            result[option.Setting.Key] = JsonSerializer.SerializeToNode(option.Value(parse));
        return result;
    }
}

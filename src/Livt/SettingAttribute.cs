namespace Livt;

/// <summary>
/// Marks a property of the run spec (<c>TrainConfig</c>, or a method's options record registered in
/// <c>Methods.LongTailMethods</c>) or of a command's options record (<c>Decoupling.RetrainHeadOptions</c>,
/// <c>Inference.EvaluateOptions</c>) as a setting and says how it is offered on the command line. The
/// property is the one definition of the setting: its recipe key (the snake_case of its name), its flag,
/// its help text and (its initialiser) its default all come from here, and docs/CLI.md's flag tables are
/// checked against it by a test.
/// Official spellings of a flag (MAE's <c>--finetune</c> for <c>--init</c>) are listed in
/// <c>Configuration.OfficialFlags</c>. It lives at the root so that a method's options, below the run
/// spec, can declare settings.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SettingAttribute(string description) : Attribute
{
    /// <summary>The help text of the flag and the flag table's "meaning" column. <c>{losses}</c> and
    /// <c>{datasets}</c> stand for the registered choices, and <c>{Name}</c> for the declaring type's public
    /// static string property <c>Name</c>: a list from a registry that the run spec cannot see.</summary>
    public string Description { get; } = description;

    /// <summary>The flag, when it differs from <c>--</c> + the key in kebab-case (timm's <c>--aa</c>).</summary>
    public string? Flag { get; init; }

    /// <summary>Only fine-tuning uses it, so <c>livt pretrain</c> does not offer it.</summary>
    public bool FinetuneOnly { get; init; }

    /// <summary>The flag must be given (<c>retrain-head --init</c>).</summary>
    public bool Required { get; init; }

    /// <summary>The word that, given as the value, sets it to null: <c>none</c> for <c>--aa none</c>, <c>auto</c>
    /// for <c>--tau auto</c> (chosen on validation). A number with a null word is read from text, and the word
    /// is shown as its default when that is null.</summary>
    public string? NullWord { get; init; }

    /// <summary>It names one stage's run (<c>--out</c>, <c>--epochs</c>), so <c>livt quickstart</c>,
    /// which runs two stages, offers its own flags instead.</summary>
    public bool PerStage { get; init; }
}

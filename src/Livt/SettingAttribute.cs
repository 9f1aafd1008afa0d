namespace Livt;

/// <summary>
/// Marks a property of the run spec (<c>TrainConfig</c>, or a method's options record registered in
/// <c>Methods.LongTailMethods</c>) as a setting and says how it is offered on the command line. The
/// property is the one definition of the setting: its recipe key (the snake_case of its name), its flag
/// and its help text all come from here, and docs/CLI.md's flag table is checked against it by a test.
/// Official spellings of a flag (MAE's <c>--finetune</c> for <c>--init</c>) are listed in
/// <c>Configuration.OfficialFlags</c>. It lives at the root so that a method's options, below the run
/// spec, can declare settings.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SettingAttribute(string description) : Attribute
{
    /// <summary>The help text of the flag and the flag table's "meaning" column.</summary>
    public string Description { get; } = description;

    /// <summary>The flag, when it differs from <c>--</c> + the key in kebab-case (timm's <c>--aa</c>).</summary>
    public string? Flag { get; init; }

    /// <summary>Only fine-tuning uses it, so <c>livt pretrain</c> does not offer it.</summary>
    public bool FinetuneOnly { get; init; }

    /// <summary>The word <c>none</c> on the command line sets the value to null (<c>--aa none</c>).</summary>
    public bool NoneIsNull { get; init; }

    /// <summary>It names one stage's run (<c>--out</c>, <c>--epochs</c>), so <c>livt quickstart</c>,
    /// which runs two stages, offers its own flags instead.</summary>
    public bool PerStage { get; init; }
}

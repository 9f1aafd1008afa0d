namespace Livt.Methods;

/// <summary>
/// One long-tail method as the rest of Livt sees it: its name (and the official spellings read as it), its
/// documentation line, where it plugs in (<see cref="Kind"/>), the settings that belong to it, what it
/// changes at evaluation (the prior its logits assume) and what a second stage may do with its model.
/// Registering an instance in <see cref="LongTailMethods.All"/> is what makes the method exist: <c>--loss</c>
/// and the recipes accept it, <c>--help</c>, docs/CLI.md and the settings table list it, a flag of its own
/// given with another method is refused, and its name is what the model file's metadata records.
/// </summary>
public abstract class LongTailMethod
{
    /// <param name="name">The name <c>--loss</c> (or the switch) takes: lower case, words joined by '-'.</param>
    /// <param name="summary">One line for docs/CLI.md and <c>--help</c>: what it is, with its paper.</param>
    protected LongTailMethod(string name, string summary) => (Name, Summary) = (name, summary);

    /// <summary>The canonical name.</summary>
    public string Name { get; }

    /// <summary>One line of documentation.</summary>
    public string Summary { get; }

    /// <summary>Where the method plugs in.</summary>
    public abstract MethodKind Kind { get; }

    /// <summary>Other names read as this one (the official code's, an earlier paper's).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The recipe keys of the run-spec settings only this method (and the others that list them)
    /// reads; such a flag given on the command line with none of them is an error, not silently ignored.</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>The record of settings the method declares itself (<see cref="SettingAttribute"/> properties
    /// with defaults); they join the run spec as its own, and their flags belong to the method. Null when
    /// the method has none of its own.</summary>
    public virtual Type? OptionsType => null;

    /// <summary>The trained model's raw logits assume balanced classes (a prior-corrected loss), so post-hoc
    /// adjustment starts from the uniform prior instead of the training one.</summary>
    public bool AssumesBalancedPrior { get; init; }

    /// <summary>For a method switched on beside the loss (<see cref="MethodKind.BatchMixing"/>,
    /// <see cref="MethodKind.Reweighting"/>, <see cref="MethodKind.Distillation"/>, <see cref="MethodKind.Optimizer"/>):
    /// the key of the setting that switches it on, a bool set true or a value given (the teacher, SAM's radius).</summary>
    public string? SwitchKey { get; init; }

    /// <summary>Why <c>livt retrain-head</c> cannot take this method's model, or null when it can.</summary>
    public string? RetrainHeadRefusal { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

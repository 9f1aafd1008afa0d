namespace Livt.Methods;

/// <summary>
/// A method whose training the use case in <c>Livt.Training</c> of its <see cref="LongTailMethod.Kind"/>
/// carries out (SADE's experts, the contrastive family, CMO, Difficulty-Net); the registry entry declares
/// its name, documentation, settings and what evaluation and second stages make of it.
/// </summary>
public sealed class TrainingMethod(string name, MethodKind kind, string summary) : LongTailMethod(name, summary)
{
    /// <inheritdoc/>
    public override MethodKind Kind { get; } = kind;
}

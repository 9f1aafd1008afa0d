using Livt.Losses;

namespace Livt.Methods;

/// <summary>
/// A loss on one head's logits: how to build it from the training set's class counts, the shared loss
/// settings (<see cref="LossOptions"/>) and, for a loss with settings of its own, its options record.
/// </summary>
public class LossMethod : LongTailMethod
{
    private readonly Func<IReadOnlyList<long>, LossOptions, object?, LongTailLoss> _create;

    /// <param name="name">The <c>--loss</c> name.</param>
    /// <param name="summary">One line of documentation.</param>
    /// <param name="create">Builds the loss from the class counts and the shared loss settings.</param>
    public LossMethod(string name, string summary, Func<IReadOnlyList<long>, LossOptions, LongTailLoss> create)
        : this(name, summary, (counts, options, _) => create(counts, options)) { }

    private protected LossMethod(string name, string summary, Func<IReadOnlyList<long>, LossOptions, object?, LongTailLoss> create)
        : base(name, summary) => _create = create;

    /// <inheritdoc/>
    public override MethodKind Kind => MethodKind.Loss;

    /// <summary>Builds the loss; <paramref name="own"/> is the method's options record (its defaults when null).</summary>
    public LongTailLoss Create(IReadOnlyList<long> classCounts, LossOptions options, object? own = null) =>
        _create(classCounts, options, own ?? (OptionsType is { } t ? Activator.CreateInstance(t) : null));
}

/// <summary>A loss on one head's logits with settings of its own, <typeparamref name="TOptions"/>.</summary>
/// <typeparam name="TOptions">A record of <see cref="SettingAttribute"/> properties with their defaults.</typeparam>
public sealed class LossMethod<TOptions> : LossMethod where TOptions : class, new()
{
    /// <param name="name">The <c>--loss</c> name.</param>
    /// <param name="summary">One line of documentation.</param>
    /// <param name="create">Builds the loss from the class counts, the shared loss settings and its own.</param>
    public LossMethod(string name, string summary, Func<IReadOnlyList<long>, LossOptions, TOptions, LongTailLoss> create)
        : base(name, summary, (counts, options, own) => create(counts, options, (TOptions)own!)) { }

    /// <inheritdoc/>
    public override Type OptionsType => typeof(TOptions);
}

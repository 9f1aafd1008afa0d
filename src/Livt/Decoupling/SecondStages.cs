namespace Livt.Decoupling;

/// <summary>Every second stage <c>livt retrain-head --method</c> offers, registered once.</summary>
public static class SecondStages
{
    /// <summary>The registered second stages, in the order help lists them.</summary>
    public static IReadOnlyList<SecondStage> All { get; } = [new ClassifierRetraining(), new WeightScaling(), new TauNormStage()];

    /// <summary>Their names.</summary>
    public static IReadOnlyList<string> Names => All.Select(s => s.Name).ToArray();

    /// <summary>The stage <paramref name="name"/> names (any case; '_' for '-'; an alias).</summary>
    /// <exception cref="LivtException">It names none.</exception>
    public static SecondStage Get(string name)
    {
        var n = name.Trim().Replace('_', '-').ToLowerInvariant();
        return All.FirstOrDefault(s => s.Name == n || s.Aliases.Contains(n))
               ?? throw new LivtException($"--method {name}: expected one of {string.Join(", ", Names)}");
    }

    /// <summary>Refuses a flag of <paramref name="given"/> that belongs to another stage than <paramref name="chosen"/>
    /// (<see cref="SecondStage.Flags"/>).</summary>
    /// <exception cref="LivtException">One does.</exception>
    public static void CheckFlags(SecondStage chosen, IEnumerable<string> given)
    {
        foreach (var flag in given)
            if (All.FirstOrDefault(s => s.Flags.Contains(flag)) is { } owner && owner != chosen)
                throw new LivtException($"{flag} belongs to --method {owner.Name}, not {chosen.Name}");
    }

    /// <summary><c>--method</c>'s help: each stage with its line.</summary>
    public static string Help() => string.Join(" | ", All.Select(s => $"{s.Name} ({s.Summary})"));
}

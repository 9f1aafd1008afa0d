namespace Livt.Losses.Contrastive;

/// <summary>The supervised contrastive long-tail methods a run can select with <c>--loss</c>.</summary>
public static class ContrastiveLosses
{
    private static readonly string[] AllNames = ["gpaco", "paco", "bcl", "tsc", "rescom"];

    /// <summary>Their names, as <c>--loss</c> takes them.</summary>
    public static IReadOnlyList<string> Names => AllNames;

    /// <summary>The canonical name of <paramref name="name"/> (any case), or null when it names no contrastive method.</summary>
    public static string? Canonical(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        return AllNames.Contains(n) ? n : null;
    }
}

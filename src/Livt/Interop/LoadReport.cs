namespace Livt.Interop;

/// <summary>What a weight load could not match. <see cref="ShapeMismatched"/> entries read
/// <c>name: checkpoint [..] vs model [..]</c>.</summary>
public sealed record LoadReport(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> ShapeMismatched)
{
    /// <summary>True when every model tensor was loaded and nothing was left over.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatched.Count == 0;
}

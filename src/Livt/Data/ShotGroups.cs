namespace Livt.Data;

/// <summary>Where a class sits in the long tail, by its number of training images.</summary>
public enum ShotGroup { Many, Medium, Few }

/// <summary>Shot-group boundaries: many-shot above <see cref="Many"/> training images, few-shot
/// below <see cref="Few"/>, medium otherwise (the LT literature's 100 / 20).</summary>
public sealed record ShotThresholds(int Many = 100, int Few = 20)
{
    /// <summary>The standard thresholds.</summary>
    public static ShotThresholds Default { get; } = new();

    /// <summary>The group of a class with <paramref name="trainingCount"/> training images.</summary>
    public ShotGroup Of(long trainingCount) =>
        trainingCount > Many ? ShotGroup.Many : trainingCount < Few ? ShotGroup.Few : ShotGroup.Medium;

    /// <summary>The group of every class, given training counts indexed by class.</summary>
    public ShotGroup[] Assign(IReadOnlyList<long> trainingCounts) => trainingCounts.Select(Of).ToArray();
}

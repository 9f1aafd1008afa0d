namespace Livt.Tests.Training;

/// <summary>The tests that train or start the CLI run one at a time: each uses both cores, and the
/// resume test compares runs to the last bit.</summary>
[CollectionDefinition(Name)]
public sealed class TrainingRuns
{
    public const string Name = "training runs";
}

namespace Livt.Engine;

/// <summary>
/// A run stopped on request (Ctrl-C, SIGTERM) after finishing its current step and writing a
/// checkpoint; <c>--resume</c> on <see cref="RunDir"/> continues it exactly.
/// </summary>
public sealed class TrainingInterruptedException(string stage, string runDir, int epoch, int step)
    : LivtException($"{stage} interrupted at epoch {epoch + 1}, step {step}; a checkpoint is in {Path.Combine(runDir, "checkpoints")}; continue with " +
        $"--resume {runDir}")
{
    /// <summary>The stage that was running.</summary>
    public string Stage { get; } = stage;

    /// <summary>The run folder to resume.</summary>
    public string RunDir { get; } = runDir;
}

using Livt.Data;

namespace Livt.Benchmarking;

/// <summary>One step <c>livt bench</c> times: a training step (<see cref="TrainingBenchStep"/>) or a forward
/// pass (<see cref="InferenceBenchStep"/>), fed a batch from the loader or one kept in memory.</summary>
internal interface IBenchStep : IDisposable
{
    /// <summary>The parts' durations over the timed steps: indexed by <see cref="Livt.Engine.StepPart"/> (inference: forward only).</summary>
    IReadOnlyList<StepTimings> Parts { get; }

    /// <summary>Runs step <paramref name="index"/> on <paramref name="batch"/>; <paramref name="timed"/> false
    /// during warm-up, whose parts are not recorded.</summary>
    void Run(Batch batch, int index, bool timed);
}

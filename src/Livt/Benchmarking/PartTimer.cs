using System.Diagnostics;
using Livt.Engine;

namespace Livt.Benchmarking;

/// <summary>Times the parts of <see cref="TrainStep"/> (<see cref="IStepTimer"/>): each part from the end of
/// the previous one, or from <see cref="Begin"/>.</summary>
internal sealed class PartTimer : IStepTimer
{
    private readonly Stopwatch _clock = new();
    private double _last;
    private bool _timed;

    /// <summary>The timed steps' durations of each <see cref="StepPart"/>, indexed by it.</summary>
    public StepTimings[] Parts { get; } = Enum.GetValues<StepPart>().Select(_ => new StepTimings()).ToArray();

    /// <summary>Starts a step; <paramref name="timed"/> false leaves its parts unrecorded.</summary>
    public void Begin(bool timed)
    {
        _timed = timed;
        _last = 0;
        _clock.Restart();
    }

    public void PartEnded(StepPart part)
    {
        double now = _clock.Elapsed.TotalSeconds;
        if (_timed) Parts[(int)part].Add(now - _last);
        _last = now;
    }
}

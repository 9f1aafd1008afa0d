using System.Diagnostics;
using Livt.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary>Times the parts of <see cref="TrainStep"/> (<see cref="IStepTimer"/>): each part from the end of
/// the previous one, or from <see cref="Begin"/>. On a CUDA device a timed step waits for the device at
/// every boundary: kernels run asynchronously, and without the wait a part's kernels would be billed to
/// whichever later part first waits for the device. Only the bench pays for these waits; a run's steps
/// have no timer.</summary>
internal sealed class PartTimer(Device device) : IStepTimer
{
    private readonly Stopwatch _clock = new();
    private readonly bool _cuda = device.type == DeviceType.CUDA;
    private double _last;
    private bool _timed;

    /// <summary>The timed steps' durations of each <see cref="StepPart"/>, indexed by it.</summary>
    public StepTimings[] Parts { get; } = Enum.GetValues<StepPart>().Select(_ => new StepTimings()).ToArray();

    /// <summary>Starts a step; <paramref name="timed"/> false leaves its parts unrecorded (and unsynchronised).</summary>
    public void Begin(bool timed)
    {
        _timed = timed;
        Synchronize();
        _last = 0;
        _clock.Restart();
    }

    public void PartEnded(StepPart part)
    {
        Synchronize();
        double now = _clock.Elapsed.TotalSeconds;
        if (_timed) Parts[(int)part].Add(now - _last);
        _last = now;
    }

    private void Synchronize()
    {
        if (_timed && _cuda) cuda.synchronize(device);
    }
}

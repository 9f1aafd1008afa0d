using System.Diagnostics;
using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Engine;
using Livt.Training;

namespace Livt.Benchmarking;

/// <summary>
/// <c>livt bench soak</c>: the quick start's fine-tuning (or a contrastive run) for a number of steps,
/// end to end — the real loader, trainer, checkpoints at every epoch end — sampling resident memory as it
/// goes. Memory that still grows over the last half of a long run is a leak; a run that ends at all under
/// <see cref="SoakOptions.GcStress"/> has no temporary handed to libtorch that the GC can take away.
/// </summary>
public static class SoakRun
{
    /// <summary>Runs the soak; <paramref name="progress"/> gets one line per sample.</summary>
    public static SoakResult Run(SoakOptions options, Action<string> progress)
    {
        if (options.Steps < 2 || options.Every < 1 || options.Every > options.Steps)
            throw new LivtException($"--steps {options.Steps} --every {options.Every}: need at least 2 steps and a sample interval within them");
        var runDir = options.Out ?? Path.Combine(Path.GetTempPath(), $"livt-soak-{Guid.NewGuid():N}");
        var overrides = (JsonObject?)options.Overrides?.DeepClone() ?? new JsonObject();
        overrides["out"] = runDir;
        overrides["loss"] = options.Loss;
        // More epochs than the steps can fill: the soak ends by stopping the run, as Ctrl-C does.
        overrides["epochs"] = options.Steps;
        var config = ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), overrides);

        using var stop = new CancellationTokenSource();
        var sampler = new Sampler(options, stop, progress);
        using var stress = options.GcStress ? new GcStress() : null;
        var clock = Stopwatch.StartNew();
        try
        {
            new FinetuneRunner(config, context: new RunContext { Observer = sampler, Stop = stop.Token }).Run();
        }
        catch (TrainingInterruptedException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (options.Out is null && Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        }
        var samples = sampler.Samples;
        if (samples.Count == 0) throw new LivtException($"the run ended after {sampler.Steps} steps, before the first sample");
        double peak = samples.Max(s => s.ResidentMb);
        var half = samples.MinBy(s => Math.Abs(s.Step - samples[^1].Step / 2.0))!;
        double growth = samples[^1].ResidentMb - half.ResidentMb;
        return new SoakResult
        {
            Steps = sampler.Steps, Loss = options.Loss, GcStress = options.GcStress, Seconds = clock.Elapsed.TotalSeconds,
            Samples = samples, PeakMb = peak, LastHalfGrowthMb = growth, LastHalfGrowthOfPeak = growth / peak,
        };
    }

    private sealed class Sampler(SoakOptions options, CancellationTokenSource stop, Action<string> progress) : ITrainingObserver
    {
        public List<SoakSample> Samples { get; } = [];
        public long Steps { get; private set; }
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
        public void EpochCompleted(EpochSummary epoch) { }
        public void Message(string text) { }

        public void StepCompleted(StepProgress step)
        {
            if (++Steps % options.Every == 0)
            {
                var sample = new SoakSample(Steps, ProcessMemory.ResidentMb());
                Samples.Add(sample);
                progress($"step {Steps}: resident {sample.ResidentMb:F0} MiB, loss {step.Loss:F4}, {_clock.Elapsed.TotalSeconds:F0} s");
            }
            if (Steps >= options.Steps) stop.Cancel();
        }
    }

    /// <summary>Collections and finalizers as often as they can run, on a thread of their own.</summary>
    private sealed class GcStress : IDisposable
    {
        private volatile bool _done;
        private readonly Thread _thread;

        public GcStress()
        {
            _thread = new Thread(() =>
            {
                while (!_done)
                {
                    GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                    GC.WaitForPendingFinalizers();
                    Thread.Sleep(1);
                }
            }) { IsBackground = true, Name = "gc-stress" };
            _thread.Start();
        }

        public void Dispose()
        {
            _done = true;
            _thread.Join();
        }
    }
}

using System.Diagnostics;
using Livt.Data;
using TorchSharp;

namespace Livt.Benchmarking;

/// <summary>
/// The timed part of a benchmark: warm-up, then bare steps on a batch in memory and end-to-end steps with
/// the loader, in alternating blocks, with the CPU time and resident memory they take. Without a step it
/// times the loader alone; without a loader, the bare step alone.
/// </summary>
internal sealed class BenchMeasurement
{
    private readonly BenchOptions _o;
    private readonly IBenchStep? _step;
    private readonly DataLoader? _loader;
    private readonly BatchStream? _batches;
    private int _index; // the step's position, as the trainer counts it (its generator is reseeded from it)

    public BenchMeasurement(BenchOptions o, IBenchStep? step, DataLoader? loader)
    {
        _o = o;
        _step = step;
        _loader = loader;
        _batches = loader is null ? null : new BatchStream(loader, o.Source, o.BatchSize);
    }

    /// <summary>The bare steps' times.</summary>
    public StepTimings Bare { get; } = new();

    /// <summary>The end-to-end steps' times; the bare ones' when there is no loader (after <see cref="Run"/>).</summary>
    public StepTimings Total { get; private set; } = new();

    /// <summary>How long each timed end-to-end step waited for its batch.</summary>
    public StepTimings Wait { get; } = new();

    /// <summary>Over the timed steps: CPU time this process used and wall time, so how much of the cores it got.</summary>
    public double CpuSeconds { get; private set; }

    /// <inheritdoc cref="CpuSeconds"/>
    public double WallSeconds { get; private set; }

    /// <summary>Each block's summed bare and end-to-end times, when both kinds run.</summary>
    public List<(double Bare, double EndToEnd)> Blocks { get; } = [];

    /// <summary>Resident memory after each timed step.</summary>
    public RssTracker Rss { get; } = new();

    /// <summary>Warm-up, then the timed blocks; <paramref name="inMemory"/> is the bare step's batch.</summary>
    public void Run(Batch inMemory)
    {
        for (int i = 0; i < _o.Warmup; i++)
        {
            if (_step is not null) BareStep(inMemory, false);
            if (_loader is not null) EndToEndStep(false);
        }
        // Bare and end-to-end steps alternate in blocks, so drift in what else the machine runs lands
        // on both alike; the loader ratio is the median of the blocks' ratios.
        for (int done = 0; done < _o.Steps; done += _o.BlockSteps)
            RunBlock(inMemory, Math.Min(_o.BlockSteps, _o.Steps - done));
    }

    /// <summary>Ends the loader's epochs; without a loader the bare steps are the totals.</summary>
    public void Finish()
    {
        _batches?.Dispose();
        if (_loader is null) Total = Bare;
    }

    private void RunBlock(Batch inMemory, int n)
    {
        double bareSum = 0, endSum = 0;
        for (int i = 0; i < n && _step is not null; i++)
        {
            double t = BareStep(inMemory, true);
            Bare.Add(t);
            bareSum += t;
            if (_loader is null) Rss.Sample();
        }
        for (int i = 0; i < n && _loader is not null; i++)
        {
            double t = EndToEndStep(true);
            Total.Add(t);
            endSum += t;
            Rss.Sample();
        }
        if (_step is not null && _loader is not null) Blocks.Add((bareSum, endSum));
    }

    private double BareStep(Batch inMemory, bool timed)
    {
        var cpu0 = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        using (torch.NewDisposeScope()) _step!.Run(inMemory, _index++, timed);
        return Account(timed, clock.Elapsed.TotalSeconds, cpu0);
    }

    private double EndToEndStep(bool timed)
    {
        var cpu0 = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        using var batch = _batches!.Next();
        double waited = clock.Elapsed.TotalSeconds;
        using (torch.NewDisposeScope())
            _step?.Run(batch, _index++, timed);
        if (timed) Wait.Add(waited);
        return Account(timed, clock.Elapsed.TotalSeconds, cpu0);
    }

    private double Account(bool timed, double wall, TimeSpan cpu0)
    {
        if (!timed) return wall;
        CpuSeconds += (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        WallSeconds += wall;
        return wall;
    }

    /// <summary>Batches from the loader without end, epoch after epoch.</summary>
    private sealed class BatchStream(DataLoader loader, string source, int batchSize) : IDisposable
    {
        private int _epoch;
        private IEnumerator<Batch> _batches = loader.Epoch(0).GetEnumerator();

        public Batch Next()
        {
            if (_batches.MoveNext()) return _batches.Current;
            _batches.Dispose();
            _batches = loader.Epoch(++_epoch).GetEnumerator();
            return _batches.MoveNext() ? _batches.Current : throw new LivtException($"{source}: smaller than one batch of {batchSize}");
        }

        public void Dispose() => _batches.Dispose();
    }
}

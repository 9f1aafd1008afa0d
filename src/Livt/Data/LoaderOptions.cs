namespace Livt.Data;

/// <summary>How a <see cref="DataLoader"/> batches and schedules work.</summary>
public sealed record LoaderOptions
{
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Shuffle each epoch (only used when <see cref="Sampler"/> is null).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop the last, incomplete batch of an epoch.</summary>
    public bool DropLast { get; init; } = true;

    /// <summary>Seed of the default sampler and of every per-sample transform.</summary>
    public int Seed { get; init; }

    /// <summary>Decoding threads; 0 = <see cref="DataLoader.DefaultWorkers"/> (the cores libtorch leaves free, at least one).</summary>
    public int Workers { get; init; }

    /// <summary>Run the decoding threads at background priority (<see cref="Livt.Runtime.BackgroundPriority"/>), so
    /// they never take a core from a training step; the consumer builds a batch itself rather than wait for one.</summary>
    public bool BackgroundThreads { get; init; } = true;

    /// <summary>Batches prepared ahead of the consumer (bounds memory).</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Which samples make an epoch; null = <see cref="UniformSampler"/> over the dataset with <see cref="Shuffle"/> and <see cref="Seed"/>.</summary>
    public ISampler? Sampler { get; init; }

    /// <summary>Skip images that cannot be read (<see cref="CorruptImageException"/>) and count them,
    /// instead of failing. Set it from <see cref="DatasetOptions.SkipCorrupt"/>.</summary>
    public bool SkipCorrupt { get; init; }
}

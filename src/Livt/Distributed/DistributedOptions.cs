namespace Livt.Distributed;

/// <summary>How a multi-process job's process group behaves.</summary>
public sealed record DistributedOptions
{
    /// <summary>torch.distributed's default: long enough for rank 0 to evaluate or write a checkpoint
    /// while the others wait at the next collective.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Longest a process may wait inside one collective before it decides another process has died or
    /// hung and ends the job (MPI_Abort), instead of waiting forever.
    /// </summary>
    public TimeSpan CollectiveTimeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// Called with a complete message just before a failed job is ended from a watchdog thread (the
    /// library writes nothing to the console; the CLI prints it). Must not block.
    /// </summary>
    public Action<string>? OnFatal { get; init; }

    /// <summary>The MPI library to load instead of the launcher's usual one (libmpi.so.40 for Open MPI,
    /// libmpi.so.12 for MPICH); by default the LIVT_MPI_LIBRARY environment variable.</summary>
    public string? MpiLibrary { get; init; } = Environment.GetEnvironmentVariable("LIVT_MPI_LIBRARY");
}

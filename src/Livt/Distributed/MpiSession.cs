namespace Livt.Distributed;

/// <summary>
/// MPI's process-wide life: MPI_Init_thread once per process (MPI allows no second initialisation),
/// MPI_Finalize when the process exits normally, and MPI_Abort when the job must end.
/// </summary>
internal static class MpiSession
{
    /// <summary>Exit code of every process of a job ended by <see cref="Abort"/>.</summary>
    public const int AbortCode = 70;

    private static readonly object Gate = new();
    private static MpiLibrary? _library;
    private static DistributedOptions _options = new();
    private static volatile bool _aborting;

    // The thread level MPI provided; below MPI_THREAD_MULTIPLE the watchdog may not call MPI itself.
    private static int _threadLevel;

    /// <summary>Loads and initialises MPI on first use; later calls return the same library.</summary>
    public static MpiLibrary Start(LaunchEnvironment launch, DistributedOptions options)
    {
        lock (Gate)
        {
            _options = options;
            if (_library is not null) return _library;
            var library = MpiLibrary.Load(launch, options.MpiLibrary);
            if (library.IsFinalized())
                throw new InvalidOperationException("MPI was already finalized in this process");
            if (library.IsInitialized())
            {
                _threadLevel = library.QueryThread(); // initialised by a host program, which also finalises it
            }
            else
            {
                _threadLevel = library.InitThread(MpiLibrary.ThreadMultiple);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Finish(library);
            }
            library.ReturnErrors(library.CommWorld);
            _library = library;
            return library;
        }
    }

    /// <summary>
    /// Ends every process of the job: <paramref name="message"/> goes to <see cref="DistributedOptions.OnFatal"/>,
    /// then MPI_Abort asks the launcher to kill all processes. Does not return.
    /// </summary>
    public static void Abort(string message)
    {
        _aborting = true;
        _options.OnFatal?.Invoke(message);
        // MPI_Abort from a thread other than the blocked one is legal at MPI_THREAD_MULTIPLE, which
        // Open MPI 4 and MPICH provide. Without it, or should MPI_Abort return, exiting still stops
        // this process, and the launcher ends the job when a process exits with an error.
        if (_threadLevel >= MpiLibrary.ThreadMultiple) _library?.Abort(_library.CommWorld, AbortCode);
        Environment.Exit(AbortCode);
    }

    private static void Finish(MpiLibrary library)
    {
        // After a failure, MPI_Finalize would wait for processes that may never arrive; exiting without
        // it makes the launcher end the whole job, which is what a failed rank should do.
        if (_aborting || Environment.ExitCode != 0 || library.IsFinalized()) return;
        // MPI_Finalize waits for every process; one that never gets there must not hang this one. (The
        // rank is read first: MPI may not be queried once finalisation has begun.)
        int rank = library.CommRank(library.CommWorld);
        using var watchdog = new CollectiveWatchdog(_options.CollectiveTimeout, () => $"rank {rank}", Abort);
        using (watchdog.Enter("MPI_Finalize (waiting for every process to finish)"))
            library.FinalizeMpi();
    }
}

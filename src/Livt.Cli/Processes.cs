using Livt.Distributed;
using Livt.Engine;

namespace Livt.Cli;

/// <summary>
/// The processes a command runs with: under mpirun/srun it joins the launcher's job (no flag needed),
/// otherwise it is the ordinary single process. Only the first process shows progress and results;
/// a collective that times out is reported on the process that noticed it, just before the job ends.
/// </summary>
internal sealed class Processes : IDisposable
{
    private Processes(IDataParallel parallel) => Parallel = parallel;

    /// <summary>This process's view of the job.</summary>
    public IDataParallel Parallel { get; }

    /// <summary>Whether this process prints progress and results.</summary>
    public bool Shows => Parallel.IsWriter;

    /// <summary>Joins the launcher's job on <paramref name="device"/> with <paramref name="timeoutSeconds"/> per collective.</summary>
    public static Processes Join(string device, double timeoutSeconds) =>
        new(ProcessGroupParallel.Join(LaunchEnvironment.Detect(), TrainingDevice.Parse(device),
            new DistributedOptions { CollectiveTimeout = TimeSpan.FromSeconds(timeoutSeconds), OnFatal = PrintFatal }));

    /// <summary>Runs <paramref name="work"/> with the console observer on the first process, silently on the others.</summary>
    public T Run<T>(Func<ITrainingObserver, T> work) => Shows ? ConsoleObserver.Run(o => work(o)) : work(NullTrainingObserver.Instance);

    /// <summary>The watchdog's message, printed just before the job is ended.</summary>
    public static void PrintFatal(string message) => Console.Error.WriteLine($"error: {message}");

    public void Dispose() => (Parallel as IDisposable)?.Dispose();
}

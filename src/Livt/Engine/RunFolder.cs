namespace Livt.Engine;

/// <summary>
/// A run's folder as the processes of a job see it, and the one place that decides who writes there:
/// every file a training run produces (config, log, checkpoints, model, report) goes through it, and
/// only the writing process (<see cref="IDataParallel.IsWriter"/>) writes; on the others each write is
/// skipped and returns null. Runners call it unconditionally, as MAE's scripts call
/// <c>save_on_master</c>. Reading (a resume checkpoint, a saved file) happens on every process.
/// </summary>
public sealed class RunFolder : IDisposable
{
    private readonly IDataParallel _parallel;
    private RunLog? _log;

    /// <param name="path">The folder (created by the first write).</param>
    /// <param name="parallel">The job's processes; <see cref="SingleProcessParallel"/> for one.</param>
    public RunFolder(string path, IDataParallel parallel) => (Path, _parallel) = (path, parallel);

    /// <summary>The folder's path.</summary>
    public string Path { get; }

    /// <summary>Whether this process writes.</summary>
    public bool Writes => _parallel.IsWriter;

    /// <summary>The run's log (log.jsonl, TensorBoard events), opened by the first call on the writing
    /// process, so a run that fails before it logs leaves no empty log; null on the others.</summary>
    public RunLog? Log => Writes ? _log ??= new RunLog(Path) : null;

    /// <summary>The path of <paramref name="name"/> in the folder (no file is written).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>On the writing process, creates the folder and writes <paramref name="name"/> through
    /// <paramref name="write"/> (given the file's path); returns that path, or null on the others.</summary>
    public string? Write(string name, Action<string> write)
    {
        if (!Writes) return null;
        Directory.CreateDirectory(Path);
        var path = File(name);
        write(path);
        return path;
    }

    /// <summary>On the writing process, creates the folder and lets <paramref name="write"/> (given the
    /// folder) write several files; returns what it returns (a report's path), or null on the others.</summary>
    public string? Write(Func<string, string> write)
    {
        if (!Writes) return null;
        Directory.CreateDirectory(Path);
        return write(Path);
    }

    /// <summary>Closes the log.</summary>
    public void Dispose() => _log?.Dispose();
}

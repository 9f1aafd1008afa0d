using System.Diagnostics;

namespace Livt.Distributed;

/// <summary>
/// Turns a collective that never completes (a peer died, hung, or took another code path) into the end
/// of the job with a message. A blocked MPI or NCCL call cannot be interrupted from .NET, so a
/// background thread watches the one collective in flight and, past the deadline, calls
/// <c>expire</c>, which aborts the job. Entering and leaving a collective costs two volatile writes.
/// </summary>
internal sealed class CollectiveWatchdog : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly Action<string> _expire;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly Func<string> _who;
    private long _startedTicks; // Stopwatch ticks when the current collective began; 0 when none.
    private string _operation = "";

    /// <param name="timeout">Longest wait inside one collective.</param>
    /// <param name="who">Names this process in the message (evaluated only on expiry).</param>
    /// <param name="expire">Receives the message; expected not to return (it aborts the job).</param>
    public CollectiveWatchdog(TimeSpan timeout, Func<string> who, Action<string> expire)
    {
        if (timeout <= TimeSpan.Zero) throw new LivtException($"the collective timeout must be positive, got {timeout}");
        _timeout = timeout;
        _who = who;
        _expire = expire;
        _thread = new Thread(Watch) { IsBackground = true, Name = "livt-collective-watchdog" };
        _thread.Start();
    }

    /// <summary>Marks the start of <paramref name="operation"/>; disposing the result marks its end.</summary>
    public Scope Enter(string operation)
    {
        Volatile.Write(ref _operation, operation);
        Volatile.Write(ref _startedTicks, Math.Max(Stopwatch.GetTimestamp(), 1));
        return new Scope(this);
    }

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }

    private void Watch()
    {
        // Checking a few times per timeout bounds the overshoot to a quarter of it (and at most a second).
        var period = TimeSpan.FromTicks(Math.Clamp(_timeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        while (!_stop.Wait(period))
        {
            long started = Volatile.Read(ref _startedTicks);
            if (started == 0 || Stopwatch.GetElapsedTime(started) < _timeout) continue;
            string operation = Volatile.Read(ref _operation);
            if (Volatile.Read(ref _startedTicks) != started) continue; // it completed meanwhile
            _expire($"{_who()}: {operation} did not complete within {Format(_timeout)}: another process has stopped, " +
                    "hung or taken a different path (see its output above); ending the job");
            return;
        }
    }

    private static string Format(TimeSpan t) =>
        t.TotalMinutes >= 1 && t.TotalSeconds % 60 == 0 ? $"{t.TotalMinutes:0.#} min" : $"{t.TotalSeconds:0.###} s";

    /// <summary>The collective in flight; disposing it marks its completion.</summary>
    public readonly struct Scope(CollectiveWatchdog owner) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref owner._startedTicks, 0);
    }
}

using System.Runtime.InteropServices;

namespace Livt.Cli;

/// <summary>
/// Turns the first Ctrl-C or SIGTERM into a request to stop (the run finishes its step, writes a
/// checkpoint and says how to resume) instead of ending the process at once; a second one ends it as
/// usual. <see cref="ExitCode"/> is the status a process killed by that signal would have.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;
    private PosixSignal? _received;

    public StopSignal()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>128 + the signal's number (130 for SIGINT, 143 for SIGTERM), or 1 if none came.</summary>
    public int ExitCode => _received switch
    {
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGTERM => 143,
        _ => 1,
    };

    private void Handle(PosixSignalContext context)
    {
        if (_received is not null) return; // the second signal takes its default action
        _received = context.Signal;
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}

using System.Runtime.InteropServices;

namespace Livt.Runtime;

/// <summary>
/// Lowers the calling thread to background priority, so it takes only CPU time that compute threads
/// leave: Linux's SCHED_IDLE policy, or the lowest nice value where that is refused. Only the calling
/// thread changes (on Linux both calls act on a thread, not the whole process). Elsewhere nothing happens.
/// </summary>
public static class BackgroundPriority
{
    private const int SchedIdle = 5;
    private const int PrioProcess = 0;

    /// <summary>Lowers the current thread; returns what it got: "idle", "nice 19" or "normal".</summary>
    public static string LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux()) return "normal";
        try
        {
            var param = new SchedParam();
            if (SchedSetScheduler(0, SchedIdle, ref param) == 0) return "idle";
            return SetPriority(PrioProcess, 0, 19) == 0 ? "nice 19" : "normal";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return "normal";
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler")]
    private static extern int SchedSetScheduler(int pid, int policy, ref SchedParam param);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int prio);
}

using System.Runtime.InteropServices;

namespace Livt.Cli;

/// <summary>Ends the process at once, without the exit handlers and static destructors of the native
/// libraries (libc's <c>_exit</c>); elsewhere than on Linux, .NET's ordinary exit.</summary>
internal static class ProcessExit
{
    public static void Now(int code)
    {
        if (OperatingSystem.IsLinux()) ExitImmediately(code);
        Environment.Exit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitImmediately(int status);
}

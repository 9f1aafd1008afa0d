using System.CommandLine;

namespace Livt.Cli;

/// <summary>Options of the root command that every command takes.</summary>
internal static class GlobalOptions
{
    /// <summary><c>--verbose</c>: on an error, the full stack as well as the one-line message.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose") { Description = "On an error, also print its full stack (.NET and libtorch)",
        Recursive = true };

    /// <summary>All of them, for the root command (and the docs check).</summary>
    public static IReadOnlyList<Option> All { get; } = [Verbose];
}

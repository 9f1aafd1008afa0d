namespace Livt.Cli;

/// <summary>Which exceptions are the user's to fix (printed as one line, exit code 1) rather than bugs
/// (which keep their stack trace).</summary>
internal static class UserError
{
    public static string? Message(Exception e) => e switch
    {
        LivtException l => l.Message,
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException d => d.Message,
        UnauthorizedAccessException u => u.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Message(a.InnerException!),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Message(inner),
        _ => null,
    };
}

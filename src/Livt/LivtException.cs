namespace Livt;

/// <summary>
/// An error the user caused and can fix (bad path, corrupt file, wrong checkpoint, bad option).
/// Its message is complete on its own, names the file, line or key at fault, and is what the CLI
/// prints, without a stack trace.
/// </summary>
public class LivtException : Exception
{
    public LivtException(string message) : base(message) { }
    public LivtException(string message, Exception inner) : base(message, inner) { }
}

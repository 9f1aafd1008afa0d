namespace Livt;

/// <summary>
/// An error the user caused and can fix (bad path, corrupt file, wrong checkpoint, bad option).
/// Its message is complete on its own, names the file, line or key at fault, and is what the CLI
/// prints, without a stack trace. It is always one line: line breaks that come in with quoted file
/// content (a parser's message citing the bad token) are shown as spaces.
/// </summary>
public class LivtException : Exception
{
    public LivtException(string message) : base(OneLine(message)) { }
    public LivtException(string message, Exception inner) : base(OneLine(message), inner) { }

    private static string OneLine(string message) =>
        message.Contains('\n') || message.Contains('\r') ? message.ReplaceLineEndings(" ") : message;
}

namespace Livt.Interop;

/// <summary>A safetensors file that cannot be read: truncated, bad header, unknown dtype.
/// The message names the file and what is wrong with it.</summary>
public sealed class SafeTensorsFormatException : LivtException
{
    /// <summary>The file that failed to parse.</summary>
    public string Path { get; }

    public SafeTensorsFormatException(string path, string problem)
        : base($"{path}: not a valid safetensors file: {problem}") => Path = path;
}

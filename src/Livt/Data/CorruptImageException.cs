namespace Livt.Data;

/// <summary>
/// An image that cannot be read: missing, undecodable or truncated. The one failure the loader may
/// skip (<see cref="LoaderOptions.SkipCorrupt"/>); anything else about a dataset stays fatal.
/// </summary>
public sealed class CorruptImageException : LivtException
{
    public CorruptImageException(string message) : base(message) { }
    public CorruptImageException(string message, Exception inner) : base(message, inner) { }
}

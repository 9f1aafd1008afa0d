using System.Security.Cryptography;

namespace Livt.Interop;

/// <summary>A file's length and SHA-256 (lower-case hex, as <c>sha256sum</c> prints it): what a
/// checkpoint manifest records of each file, so damage is found before the file is used.</summary>
public sealed record FileDigest(long Bytes, string Sha256)
{
    /// <summary>The digest of the file as it is on disk now.</summary>
    public static FileDigest Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return new FileDigest(stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    /// <summary>Null when <paramref name="path"/> matches this digest, else what differs.</summary>
    public string? Mismatch(string path)
    {
        if (!File.Exists(path)) return "missing";
        var actual = Of(path);
        if (actual.Bytes != Bytes) return $"{actual.Bytes} bytes, the manifest says {Bytes} (truncated or overwritten)";
        return actual.Sha256 != Sha256 ? "its SHA-256 differs from the manifest's (the data is damaged)" : null;
    }
}

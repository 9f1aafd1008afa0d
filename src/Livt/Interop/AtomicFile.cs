namespace Livt.Interop;

/// <summary>Writes a file so that a reader (or a crash) never sees it half-written: temp file in the
/// same folder, flushed to disk, then renamed over the target.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="LivtException">The file system refused the write (full disk, file size limit,
    /// no permission); the temp file is removed and a previous file at <paramref name="path"/> is
    /// left as it was.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        var tmp = Path.Combine(dir, $".{name}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (IsFileSystemRefusal(e))
        {
            TryDelete(tmp);
            throw new LivtException($"{full}: cannot be written ({e.Message})" +
                (File.Exists(full) ? "; the previous file there is unchanged" : ""), e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
        RemoveStaleTemps(dir, name);
    }

    /// <summary>Writes text atomically (UTF-8, no BOM).</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => { var b = new System.Text.UTF8Encoding(false).GetBytes(text); s.Write(b); });

    // A write past RLIMIT_FSIZE (EFBIG) surfaces from the runtime as ArgumentOutOfRangeException thrown
    // by RandomAccess, not as an IOException like ENOSPC.
    private static bool IsFileSystemRefusal(Exception e) =>
        e is IOException or UnauthorizedAccessException
        || (e is ArgumentOutOfRangeException && e.TargetSite?.DeclaringType == typeof(RandomAccess));

    /// <summary>Temp files of the same target left by writers that were killed before their rename.</summary>
    private static void RemoveStaleTemps(string dir, string name)
    {
        try
        {
            foreach (var stale in Directory.EnumerateFiles(dir, $".{name}.*.tmp"))
                TryDelete(stale);
        }
        catch (IOException) { }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Livt.Data;

/// <summary>File access shared by the readers: reading with clear errors, the download cache,
/// checksum-verified downloads and archive extraction.</summary>
internal static class DataFiles
{
    /// <summary>Reads a whole file, turning "not found" and I/O failures into a message naming it.</summary>
    public static byte[] ReadAllBytes(string path) => Named(path, File.ReadAllBytes);

    /// <summary>Opens a file for reading, with the same messages as <see cref="ReadAllBytes"/>.</summary>
    public static FileStream OpenRead(string path) => Named(path, File.OpenRead);

    private static T Named<T>(string path, Func<string, T> access)
    {
        try
        {
            return access(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LivtException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LivtException($"{path}: cannot be read ({e.Message})", e);
        }
    }

    /// <summary>The folder downloads go to: <c>$LIVT_CACHE</c>, else <c>$XDG_CACHE_HOME/livt</c>,
    /// else <c>~/.cache/livt</c>; then <c>datasets/&lt;name&gt;</c>.</summary>
    public static string CacheDirectory(string name)
    {
        string? root = Environment.GetEnvironmentVariable("LIVT_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            root = Path.Combine(string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg, "livt");
        }
        return Path.Combine(root, "datasets", name);
    }

    /// <summary>Lower-case hex MD5 of a file.</summary>
    public static string Md5Hex(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/>, verifying its MD5. The file
    /// only appears under its final name once complete and verified, so an interrupted download is
    /// never mistaken for data.
    /// </summary>
    public static void Download(string url, string destination, string md5)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        string partial = destination + ".part";
        try
        {
            using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) })
            using (var response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                response.EnsureSuccessStatusCode();
                using var body = response.Content.ReadAsStream();
                using var file = File.Create(partial);
                body.CopyTo(file);
            }
            string actual = Md5Hex(partial);
            if (!actual.Equals(md5, StringComparison.OrdinalIgnoreCase))
                throw new LivtException($"{url}: downloaded file has MD5 {actual}, expected {md5}; the download is corrupt, try again");
            File.Move(partial, destination, overwrite: true);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new LivtException($"cannot download {url} ({e.Message})", e);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>Extracts the regular files of a .tar.gz archive under <paramref name="directory"/>,
    /// refusing entries that would land outside it.</summary>
    public static void ExtractTarGz(string archive, string directory)
    {
        string root = Path.GetFullPath(directory);
        using var gzip = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            string target = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new LivtException($"{archive}: entry '{entry.Name}' points outside the extraction folder");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: true);
        }
    }
}

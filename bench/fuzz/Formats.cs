using System.Buffers.Binary;
using System.IO.Compression;

namespace Livt.Fuzz;

/// <summary>The outer formats the structure-aware mutations take apart and put back together.</summary>
public static class Formats
{
    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(data);
        return output.ToArray();
    }

    /// <summary>Null when <paramref name="data"/> is not a complete gzip stream.</summary>
    public static byte[]? Gunzip(byte[] data)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException) { return null; }
    }

    /// <summary>A zip's entries by name, in order; null when it is not a readable zip.</summary>
    public static List<(string Name, byte[] Data)>? Unzip(byte[] data)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(data), ZipArchiveMode.Read);
            var entries = new List<(string, byte[])>();
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var m = new MemoryStream();
                s.CopyTo(m);
                entries.Add((e.FullName, m.ToArray()));
            }
            return entries;
        }
        catch (Exception e) when (e is InvalidDataException or IOException) { return null; }
    }

    /// <summary>Stored (uncompressed) entries, as torch.save writes them.</summary>
    public static byte[] Zip(IEnumerable<(string Name, byte[] Data)> entries)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        return output.ToArray();
    }

    /// <summary>Recomputes the CRC of every chunk of a PNG whose chunk lengths still fit the file.</summary>
    public static byte[] FixPngCrcs(byte[] png)
    {
        var d = (byte[])png.Clone();
        int at = 8;
        while (at + 12 <= d.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(at));
            if (at + 12 + length > d.Length) break;
            uint crc = Crc32(d.AsSpan(at + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(at + 8 + (int)length), crc);
            at += 12 + (int)length;
        }
        return d;
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>PNG's (and zip's) CRC-32.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}

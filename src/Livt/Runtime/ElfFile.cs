namespace Livt.Runtime;

/// <summary>What Livt reads from an ELF shared library's headers without loading it.</summary>
internal static class ElfFile
{
    /// <summary>The SONAME of the ELF64 shared library at <paramref name="path"/>, or null when it has none or
    /// is not one (read from its section headers, without loading it).</summary>
    public static string? Soname(string path)
    {
        const uint ShtDynamic = 6;
        const long DtNull = 0, DtSoname = 14;
        using var file = File.OpenRead(path);
        using var r = new BinaryReader(file);
        if (file.Length < 64 || r.ReadUInt32() != 0x464c457f || r.ReadByte() != 2 || r.ReadByte() != 1) return null; // "\x7fELF", 64-bit, little-endian
        file.Position = 0x28;
        long shoff = r.ReadInt64();
        file.Position = 0x3A;
        int shentsize = r.ReadUInt16(), shnum = r.ReadUInt16();
        (long Offset, long Size, uint Link) Section(int i)
        {
            file.Position = shoff + (long)i * shentsize + 4;
            uint type = r.ReadUInt32();
            file.Position = shoff + (long)i * shentsize + 24;
            long offset = r.ReadInt64(), size = r.ReadInt64();
            uint link = r.ReadUInt32();
            return (type == ShtDynamic ? offset : -1, size, link);
        }
        for (int i = 0; i < shnum; i++)
        {
            var (offset, size, link) = Section(i);
            if (offset < 0) continue;
            file.Position = shoff + (long)link * shentsize + 24;
            long strtab = r.ReadInt64();
            for (long at = offset; at + 16 <= offset + size; at += 16)
            {
                file.Position = at;
                long tag = r.ReadInt64(), val = r.ReadInt64();
                if (tag == DtNull) break;
                if (tag != DtSoname) continue;
                file.Position = strtab + val;
                var bytes = new List<byte>();
                for (int b = file.ReadByte(); b > 0; b = file.ReadByte()) bytes.Add((byte)b);
                return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
            }
        }
        return null;
    }
}

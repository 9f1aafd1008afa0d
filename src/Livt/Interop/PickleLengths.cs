using System.Buffers.Binary;

namespace Livt.Interop;

/// <summary>
/// Walks a pickle's opcodes before it is unpickled and checks that every length an opcode declares (a
/// string's, a byte string's, a long integer's) fits in the bytes that follow: the unpickler allocates a
/// buffer of the declared length before reading it, so a damaged or crafted length would otherwise
/// allocate up to gigabytes for a small file.
/// </summary>
internal static class PickleLengths
{
    /// <summary>Null when every declared length fits; otherwise what does not. Stops, without judging, at
    /// an opcode it does not know (the unpickler reports those).</summary>
    public static string? Check(ReadOnlySpan<byte> pickle)
    {
        int at = 0;
        while (at < pickle.Length)
        {
            byte op = pickle[at++];
            long rest = pickle.Length - at;
            long skip = op switch
            {
                // No argument.
                (byte)'(' or (byte)'.' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'R' or (byte)'a' or (byte)'b'
                    or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')'
                    or (byte)'u' or (byte)'Q' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8F or 0x90 or 0x91 or 0x92 or 0x93
                    or 0x94 or 0x97 or 0x98 => 0,
                (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82 => 1,
                (byte)'M' or 0x83 => 2,
                (byte)'J' or (byte)'j' or (byte)'r' or 0x84 => 4,
                (byte)'G' or 0x95 => 8,
                // A line of text (two for GLOBAL and INST).
                (byte)'I' or (byte)'L' or (byte)'F' or (byte)'S' or (byte)'V' or (byte)'P' or (byte)'g' or (byte)'p' => Line(pickle, at, 1),
                (byte)'c' or (byte)'i' => Line(pickle, at, 2),
                // A length, then that many bytes.
                (byte)'U' or (byte)'C' or 0x8C or 0x8A => Prefixed(pickle, at, 1),
                (byte)'T' or (byte)'X' or (byte)'B' or 0x8B => Prefixed(pickle, at, 4),
                0x8D or 0x8E or 0x96 => Prefixed(pickle, at, 8),
                _ => -2,
            };
            if (skip == -2) return null;
            if (skip < 0 || skip > rest)
                return $"opcode 0x{op:X2} at byte {at - 1} declares {(skip < 0 ? "a negative length" : $"{skip} bytes")}, {rest} remain";
            if (op == (byte)'.') return null;
            at += (int)skip;
        }
        return null;
    }

    private static long Line(ReadOnlySpan<byte> pickle, int at, int lines)
    {
        int end = at;
        for (int i = 0; i < lines; i++)
        {
            int newline = pickle[end..].IndexOf((byte)'\n');
            if (newline < 0) return long.MaxValue;
            end += newline + 1;
        }
        return end - at;
    }

    private static long Prefixed(ReadOnlySpan<byte> pickle, int at, int width)
    {
        if (pickle.Length - at < width) return long.MaxValue;
        var field = pickle.Slice(at, width);
        long length = width switch
        {
            1 => field[0],
            4 => BinaryPrimitives.ReadInt32LittleEndian(field),
            _ => BinaryPrimitives.ReadInt64LittleEndian(field),
        };
        return length < 0 ? -1 : width + length;
    }
}

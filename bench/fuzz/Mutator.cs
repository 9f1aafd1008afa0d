using System.Text;

namespace Livt.Fuzz;

/// <summary>
/// Byte-level mutations aimed at parsers: bit flips, interesting integers written over length fields
/// (both byte orders, 2/4/8 bytes), numbers inside text replaced by extreme ones, invalid UTF-8,
/// chunks inserted, deleted, duplicated or spliced in from another input, truncation. A few are
/// stacked per input.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly long[] Interesting =
    [
        0, 1, -1, 2, 7, 8, 16, 255, 256, 32767, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue,
        1L << 31, 1L << 32, 1L << 40, long.MaxValue, long.MinValue, 100_000_000, 3072, 3073,
    ];

    private static readonly string[] InterestingNumbers =
    [
        "0", "-1", "1", "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
        "9223372036854775808", "1e308", "1e309", "-0", "0.5", "NaN", "1e-320", "99999999999999999999", "3", "16",
    ];

    private const string JsonPunctuation = "{}[]\",:\n \t\\0-./";

    private static readonly byte[][] BadUtf8 = [[0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x00]];

    /// <summary>A mutated copy of <paramref name="input"/>, possibly spliced with <paramref name="other"/>.</summary>
    public byte[] Mutate(byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        int n = 1 + random.Next(random.Next(2) == 0 ? 2 : 6);
        for (int i = 0; i < n; i++) MutateOnce(data, other);
        return data.ToArray();
    }

    private void MutateOnce(List<byte> d, byte[] other)
    {
        switch (random.Next(11))
        {
            case 0 when d.Count > 0:
                d[random.Next(d.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when d.Count > 0:
                d[random.Next(d.Count)] = (byte)random.Next(256);
                break;
            case 2 when d.Count >= 8:
            {
                int width = new[] { 2, 4, 8 }[random.Next(3)];
                if (d.Count < width) break;
                int at = random.Next(d.Count - width + 1);
                // Length fields sit near the start more often than not.
                if (random.Next(2) == 0) at = Math.Min(at, random.Next(Math.Min(64, d.Count - width + 1)));
                long value = Interesting[random.Next(Interesting.Length)] + random.Next(-1, 2);
                var bytes = BitConverter.GetBytes(value).AsSpan(0, width).ToArray();
                if (random.Next(2) == 0) Array.Reverse(bytes);
                for (int k = 0; k < width; k++) d[at + k] = bytes[k];
                break;
            }
            case 3:
                ReplaceNumber(d);
                break;
            case 4 when d.Count > 0:
            {
                int at = random.Next(d.Count);
                d.InsertRange(at, BadUtf8[random.Next(BadUtf8.Length)]);
                break;
            }
            case 5 when d.Count > 1:
            {
                int at = random.Next(d.Count), len = 1 + random.Next(Math.Min(d.Count - at, 1 + d.Count / 8));
                d.RemoveRange(at, len);
                break;
            }
            case 6 when d.Count > 0:
            {
                int at = random.Next(d.Count), len = 1 + random.Next(Math.Min(d.Count - at, 256));
                d.InsertRange(random.Next(d.Count + 1), d.GetRange(at, len));
                break;
            }
            case 7 when d.Count > 0:
            {
                int keep = random.Next(d.Count);
                d.RemoveRange(keep, d.Count - keep);
                break;
            }
            case 8 when other.Length > 0:
            {
                int from = random.Next(other.Length), len = 1 + random.Next(Math.Min(other.Length - from, 512));
                int at = random.Next(d.Count + 1);
                if (random.Next(2) == 0 && at < d.Count) d.RemoveRange(at, Math.Min(len, d.Count - at));
                d.InsertRange(at, other.AsSpan(from, len).ToArray());
                break;
            }
            case 9:
            {
                int at = random.Next(d.Count + 1), len = 1 + random.Next(64);
                var junk = new byte[len];
                random.NextBytes(junk);
                d.InsertRange(at, junk);
                break;
            }
            default:
                if (d.Count > 0) d[random.Next(d.Count)] = (byte)JsonPunctuation[random.Next(JsonPunctuation.Length)];
                break;
        }
    }

    /// <summary>Replaces a run of ASCII digits (a number in a JSON header, a list file, metadata) by an extreme one.</summary>
    private void ReplaceNumber(List<byte> d)
    {
        if (d.Count == 0) return;
        int start = random.Next(d.Count);
        for (int k = 0; k < d.Count; k++)
        {
            int at = (start + k) % d.Count;
            if (d[at] is < (byte)'0' or > (byte)'9') continue;
            int end = at;
            while (at > 0 && d[at - 1] is >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.') at--;
            while (end < d.Count && d[end] is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'E') end++;
            d.RemoveRange(at, end - at);
            d.InsertRange(at, Encoding.ASCII.GetBytes(InterestingNumbers[random.Next(InterestingNumbers.Length)]));
            return;
        }
    }
}

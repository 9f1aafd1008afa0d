namespace Livt.Data;

/// <summary>
/// Derives independent seeds from tuples such as (seed, epoch, position), so every random stream
/// in the data pipeline is a pure function of its coordinates rather than of thread timing.
/// SplitMix64 finalisation: nearby inputs give unrelated outputs.
/// </summary>
internal static class SeedMixer
{
    public static int Mix(long a, long b) => (int)Finalize(Finalize((ulong)a) ^ (ulong)b);

    public static int Mix(long a, long b, long c) =>
        (int)Finalize(Finalize(Finalize((ulong)a) ^ (ulong)b) ^ (ulong)c);

    private static ulong Finalize(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="items"/> in place.</summary>
    public static void Shuffle<T>(T[] items, Random rng)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

namespace Livt.Engine;

/// <summary>
/// Derives independent seeds from the run seed, so that each step's and epoch's randomness (the run's
/// generator, loader order and augmentation, Mixup/CutMix) is a function of (seed, position) alone.
/// That is what makes a resumed run replay an uninterrupted one without saving any generator state,
/// and keeps two runs in one process from disturbing each other.
/// </summary>
public static class Seeds
{
    /// <summary>Streams of randomness that must not share seeds.</summary>
    public enum Stream { Torch = 1, Init = 2, Mixup = 3, Split = 4, ContrastiveState = 5, Cmo = 6, MetaBatches = 7, DifficultyNet = 8 }

    /// <summary>A well-mixed 63-bit seed for (seed, position, stream) — SplitMix64's finaliser.</summary>
    public static long Derive(int seed, long position, Stream stream)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)position * 0xBF58476D1CE4E5B9UL + (ulong)stream * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) >> 1);
    }

    /// <summary><see cref="Derive"/> folded to a 31-bit int for APIs that take one.</summary>
    public static int DeriveInt(int seed, long position, Stream stream) => (int)(Derive(seed, position, stream) & int.MaxValue);
}

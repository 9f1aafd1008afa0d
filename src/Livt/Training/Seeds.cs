namespace Livt.Training;

/// <summary>
/// Derives independent seeds from the run seed, so that each epoch's randomness (libtorch's generator,
/// loader order and augmentation, Mixup/CutMix) is a function of (seed, epoch) alone. That is what
/// makes a resumed run replay an uninterrupted one without saving any generator state.
/// </summary>
public static class Seeds
{
    /// <summary>Streams of randomness that must not share seeds.</summary>
    public enum Stream { Torch = 1, Mixup = 3, Split = 4 }

    /// <summary>A well-mixed 63-bit seed for (seed, epoch, stream) — SplitMix64's finaliser.</summary>
    public static long Derive(int seed, int epoch, Stream stream)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL + (ulong)stream * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) >> 1);
    }

    /// <summary><see cref="Derive"/> folded to a 31-bit int for APIs that take one.</summary>
    public static int DeriveInt(int seed, int epoch, Stream stream) => (int)(Derive(seed, epoch, stream) & int.MaxValue);
}

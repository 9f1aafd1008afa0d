namespace Livt.Augmentation;

/// <summary>
/// A per-sample transform. All randomness comes from the <see cref="Random"/> passed to
/// <see cref="Apply"/>, which the loader seeds per (seed, epoch, sample), so results do not depend on
/// thread timing. A transform may modify and return its input, or return a new image.
/// </summary>
public interface IImageTransform
{
    /// <summary>Applies the transform.</summary>
    Image Apply(Image image, Random rng);
}

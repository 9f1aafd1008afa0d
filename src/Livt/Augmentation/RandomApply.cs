namespace Livt.Augmentation;

/// <summary>torchvision's <c>RandomApply([t], p)</c>: applies the transform with probability p.</summary>
public sealed class RandomApply : IImageTransform
{
    private readonly IImageTransform _transform;
    private readonly double _p;

    /// <summary>Creates the transform.</summary>
    public RandomApply(IImageTransform transform, double p)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "probability must be in [0, 1]");
        _transform = transform ?? throw new ArgumentNullException(nameof(transform));
        _p = p;
    }

    /// <inheritdoc />
    public Image Apply(Image image, Random rng) => rng.NextDouble() < _p ? _transform.Apply(image, rng) : image;
}

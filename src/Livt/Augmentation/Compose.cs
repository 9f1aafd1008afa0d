namespace Livt.Augmentation;

/// <summary>Applies transforms in order, threading one <see cref="Random"/> through them.</summary>
public sealed class Compose : IImageTransform
{
    private readonly IImageTransform[] _transforms;

    /// <summary>Creates the chain; an empty chain returns its input.</summary>
    public Compose(params IImageTransform[] transforms) => _transforms = transforms.ToArray();

    /// <summary>The transforms, in application order.</summary>
    public IReadOnlyList<IImageTransform> Transforms => _transforms;

    /// <inheritdoc />
    public Image Apply(Image image, Random rng)
    {
        foreach (var t in _transforms) image = t.Apply(image, rng);
        return image;
    }
}

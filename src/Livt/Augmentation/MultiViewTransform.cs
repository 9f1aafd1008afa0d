namespace Livt.Augmentation;

/// <summary>
/// Several independently augmented views of one sample (MoCo's <c>TwoCropsTransform</c>, BCL's three
/// views): view v applies its own pipeline to its own copy of the image with its own <see cref="Random"/>,
/// seeded from the sample's generator, so the views are independent draws and each is distributed as its
/// pipeline alone would make it. Deterministic given the sample's generator.
/// </summary>
public sealed class MultiViewTransform
{
    private readonly IImageTransform[] _views;

    /// <summary>One pipeline per view (at least one); the same pipeline may appear several times.</summary>
    public MultiViewTransform(params IImageTransform[] views)
    {
        if (views.Length == 0) throw new ArgumentException("a multi-view transform needs at least one view");
        if (views.Any(v => v is null)) throw new ArgumentNullException(nameof(views));
        _views = views.ToArray();
    }

    /// <summary>The per-view pipelines, in view order.</summary>
    public IReadOnlyList<IImageTransform> Views => _views;

    /// <summary>Number of views.</summary>
    public int Count => _views.Length;

    /// <summary>The views of <paramref name="image"/> (which is left unchanged).</summary>
    public Image[] Apply(Image image, Random rng)
    {
        // Draw every view's seed first, so a view's randomness does not depend on how many draws the
        // pipelines before it consumed.
        var seeds = new int[_views.Length];
        for (int v = 0; v < seeds.Length; v++) seeds[v] = rng.Next();
        var result = new Image[_views.Length];
        for (int v = 0; v < _views.Length; v++) result[v] = _views[v].Apply(image.Clone(), new Random(seeds[v]));
        return result;
    }
}

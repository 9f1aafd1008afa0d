namespace Livt.Augmentation;

/// <summary>
/// The multi-view training augmentations of the contrastive long-tail methods and of the self-supervised
/// pretraining methods, as their official code builds them (ImageNet recipes; crops bilinear, torchvision's default). RandAugment is timm's
/// <c>rand-n{n}-m{m}-mstd0.5</c> (the non-increasing op set these repositories use) filling with the
/// dataset mean; the blur's σ range, [0.1, 2] px at 224 px, scales with the input size so it blurs the
/// same fraction of the object (at 28 px: [0.0125, 0.25] px). On 1-channel images colour jitter is
/// brightness and contrast jitter and random grayscale is the identity (see <see cref="ColorJitter"/>).
/// </summary>
public static class ContrastivePipelines
{
    private const int ReferenceSize = 224;

    /// <summary>GPaCo long-tail (<c>paco_lt.py --aug randcls_randclsstack</c>): view 0 RandomResizedCrop
    /// (0.08–1) → flip → ColorJitter(0.4, 0.4, 0.4, 0) → RandAugment; view 1 the same plus grayscale (p 0.2)
    /// and blur (p 0.5) before RandAugment. Both views are anchors and are classified.</summary>
    public static MultiViewTransform Gpaco(int inputSize, float[] mean, float[] std, int randAugmentLayers = 2, int randAugmentMagnitude = 10) =>
        new(RandCls(inputSize, mean, std, randAugmentLayers, randAugmentMagnitude, stacked: false),
            RandCls(inputSize, mean, std, randAugmentLayers, randAugmentMagnitude, stacked: true));

    /// <summary>BCL (<c>main.py --cl_views sim-sim</c>): view 0, classified only: RandomResizedCrop (0.08–1)
    /// → flip → ColorJitter(0.4, 0.4, 0.4, 0) → RandAugment; views 1 and 2, contrasted only:
    /// RandomResizedCrop → flip → ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 → grayscale p 0.2.</summary>
    public static MultiViewTransform Bcl(int inputSize, float[] mean, float[] std, int randAugmentLayers = 2, int randAugmentMagnitude = 10)
    {
        var sim = SimClrView(inputSize, mean, std, 0.08);
        return new(RandCls(inputSize, mean, std, randAugmentLayers, randAugmentMagnitude, stacked: false), sim, sim);
    }

    /// <summary>SimCLR's two views as DCL's code trains them (<c>experiment/simclr/utils.py</c>): RandomResizedCrop
    /// (<paramref name="scaleMin"/>–1) → flip → ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 → grayscale p 0.2.</summary>
    public static MultiViewTransform SimClr(int inputSize, float[] mean, float[] std, double scaleMin = 0.08)
    {
        var view = SimClrView(inputSize, mean, std, scaleMin);
        return new(view, view);
    }

    /// <summary>BYOL's asymmetric views (deepmind-research/byol, <c>utils/augmentations.py</c>), which MoCo v3 also trains on:
    /// RandomResizedCrop (<paramref name="scaleMin"/>–1) → ColorJitter(0.4, 0.4, 0.2, 0.1) with p 0.8 → grayscale
    /// p 0.2 → blur (p 1.0 on view 0, 0.1 on view 1) → solarize (view 1 only, p 0.2) → flip.</summary>
    public static MultiViewTransform Byol(int inputSize, float[] mean, float[] std, double scaleMin = 0.08)
    {
        IImageTransform View(double blur, double solarize)
        {
            var steps = new List<IImageTransform>
            {
                new RandomResizedCrop(inputSize, scaleMin, interpolation: Interpolation.Bilinear),
                new RandomApply(new ColorJitter(0.4, 0.4, 0.2, 0.1), 0.8),
                new RandomGrayscale(0.2),
                new RandomApply(Blur(inputSize), blur),
            };
            if (solarize > 0) steps.Add(new RandomApply(new Solarize(), solarize));
            steps.Add(new RandomHorizontalFlip());
            steps.Add(new Normalize(mean, std));
            return new Compose(steps.ToArray());
        }
        return new(View(blur: 1.0, solarize: 0), View(blur: 0.1, solarize: 0.2));
    }

    /// <summary>ResCom (<c>main_rescom.py</c>, large-scale datasets): two views of RandomResizedCrop (0.08–1)
    /// → flip → ColorJitter(0.4, 0.4, 0.4, 0) → grayscale p 0.2 → RandAugment; view 0 feeds the queue.</summary>
    public static MultiViewTransform ResCom(int inputSize, float[] mean, float[] std, int randAugmentLayers = 2, int randAugmentMagnitude = 10)
    {
        var view = new Compose(
            new RandomResizedCrop(inputSize, 0.08, interpolation: Interpolation.Bilinear),
            new RandomHorizontalFlip(),
            new ColorJitter(0.4, 0.4, 0.4, 0),
            new RandomGrayscale(0.2),
            RandAugmentOf(randAugmentLayers, randAugmentMagnitude, mean),
            new Normalize(mean, std));
        return new(view, view);
    }

    /// <summary>TSC (<c>main_moco_supcon_imba.py</c>): two views of RandomResizedCrop (0.08–1) → flip →
    /// ColorJitter(0.4, 0.4, 0.4, 0); view 0 is the query, view 1 the momentum encoder's key.</summary>
    public static MultiViewTransform Tsc(int inputSize, float[] mean, float[] std)
    {
        var view = new Compose(
            new RandomResizedCrop(inputSize, 0.08, interpolation: Interpolation.Bilinear),
            new RandomHorizontalFlip(),
            new ColorJitter(0.4, 0.4, 0.4, 0),
            new Normalize(mean, std));
        return new(view, view);
    }

    /// <summary>The blur of the SimCLR/MoCo v2 recipes with its σ range scaled from 224 px to the input size.</summary>
    public static GaussianBlur Blur(int inputSize) =>
        new(0.1 * inputSize / ReferenceSize, 2.0 * inputSize / ReferenceSize);

    private static IImageTransform SimClrView(int inputSize, float[] mean, float[] std, double scaleMin) =>
        new Compose(
            new RandomResizedCrop(inputSize, scaleMin, interpolation: Interpolation.Bilinear),
            new RandomHorizontalFlip(),
            new RandomApply(new ColorJitter(0.4, 0.4, 0.4, 0.1), 0.8),
            new RandomGrayscale(0.2),
            new Normalize(mean, std));

    private static IImageTransform RandCls(int inputSize, float[] mean, float[] std, int layers, int magnitude, bool stacked)
    {
        var steps = new List<IImageTransform>
        {
            new RandomResizedCrop(inputSize, 0.08, interpolation: Interpolation.Bilinear),
            new RandomHorizontalFlip(),
            new ColorJitter(0.4, 0.4, 0.4, 0),
        };
        if (stacked)
        {
            steps.Add(new RandomGrayscale(0.2));
            steps.Add(new RandomApply(Blur(inputSize), 0.5));
        }
        steps.Add(RandAugmentOf(layers, magnitude, mean));
        steps.Add(new Normalize(mean, std));
        return new Compose(steps.ToArray());
    }

    private static RandAugment RandAugmentOf(int layers, int magnitude, float[] mean) =>
        RandAugment.Parse($"rand-n{layers}-m{magnitude}-mstd0.5", mean);
}

namespace Livt.Augmentation;

/// <summary>The per-sample pipelines of the LiVT recipe (mixup/cutmix is batch-level: <see cref="MixupCutmix"/>).</summary>
public static class TransformPipelines
{
    /// <summary>
    /// Balanced fine-tuning: RandomResizedCrop(scale ScaleMin–1) → flip → RandAugment (fill = mean) →
    /// Normalize → RandomErasing (pixel mode); flip, RandAugment and erasing are skipped when disabled.
    /// </summary>
    public static IImageTransform BftTrain(AugmentationOptions o, float[] mean, float[] std)
    {
        var steps = new List<IImageTransform> { new RandomResizedCrop(o.InputSize, o.ScaleMin, interpolation: o.Interpolation) };
        if (o.HorizontalFlip) steps.Add(new RandomHorizontalFlip());
        if (!string.IsNullOrWhiteSpace(o.RandAugment)) steps.Add(Augmentation.RandAugment.Parse(o.RandAugment, mean));
        steps.Add(new Normalize(mean, std));
        if (o.ReProb > 0) steps.Add(new RandomErasing(o.ReProb, "pixel"));
        return new Compose(steps.ToArray());
    }

    /// <summary>Masked generative pretraining: RandomResizedCrop(scaleMin–1, bicubic) → flip → Normalize.</summary>
    public static IImageTransform MgpTrain(int inputSize, float[] mean, float[] std, double scaleMin = 0.2, bool flip = true)
    {
        var steps = new List<IImageTransform> { new RandomResizedCrop(inputSize, scaleMin, interpolation: Interpolation.Bicubic) };
        if (flip) steps.Add(new RandomHorizontalFlip());
        steps.Add(new Normalize(mean, std));
        return new Compose(steps.ToArray());
    }

    /// <summary>
    /// SADE's test-time views (MoCo v2's <c>TwoCropsTransform</c>, <c>test_training_imagenet.py</c>): two
    /// independent draws of RandomResizedCrop (0.2–1, bilinear) → ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8
    /// → grayscale p 0.2 → Gaussian blur p 0.5 (σ scaled to the input size) → flip → Normalize.
    /// </summary>
    public static MultiViewTransform TestTimeViews(int inputSize, float[] mean, float[] std)
    {
        var view = new Compose(
            new RandomResizedCrop(inputSize, 0.2, interpolation: Interpolation.Bilinear),
            new RandomApply(new ColorJitter(0.4, 0.4, 0.4, 0.1), 0.8),
            new RandomGrayscale(0.2),
            new RandomApply(ContrastivePipelines.Blur(inputSize), 0.5),
            new RandomHorizontalFlip(),
            new Normalize(mean, std));
        return new MultiViewTransform(view, view);
    }

    /// <summary>
    /// SADE's test-time views on CIFAR-sized images (<c>test_training_cifar.py</c>): two independent draws of
    /// RandomCrop(size, padding 4) → ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 → grayscale p 0.2 → Gaussian
    /// blur σ ∈ [0.1, 2] px with p 0.2 → flip → Normalize.
    /// </summary>
    public static MultiViewTransform TestTimeViewsSmall(int inputSize, float[] mean, float[] std)
    {
        var view = new Compose(
            new RandomCrop(inputSize, padding: 4),
            new RandomApply(new ColorJitter(0.4, 0.4, 0.4, 0.1), 0.8),
            new RandomGrayscale(0.2),
            new RandomApply(new GaussianBlur(0.1, 2.0), 0.2),
            new RandomHorizontalFlip(),
            new Normalize(mean, std));
        return new MultiViewTransform(view, view);
    }

    /// <summary>Evaluation: shorter side to inputSize/cropPct (bicubic), centre crop inputSize, Normalize.
    /// Without <paramref name="cropPct"/>, the official eval transform's rule (<see cref="DefaultCropPct"/>).</summary>
    public static IImageTransform Eval(int inputSize, float[] mean, float[] std, double? cropPct = null) =>
        new Compose(new ResizeCenterCrop(inputSize, cropPct ?? DefaultCropPct(inputSize), Interpolation.Bicubic), new Normalize(mean, std));

    /// <summary>LiVT's and DeiT's eval crop: 224/256 up to 224 px, 1.0 (no crop) above, so a 384-px
    /// fine-tune is evaluated on the whole image.</summary>
    public static double DefaultCropPct(int inputSize) => inputSize <= 224 ? 224.0 / 256 : 1.0;
}

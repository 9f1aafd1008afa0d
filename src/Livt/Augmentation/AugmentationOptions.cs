namespace Livt.Augmentation;

/// <summary>The per-sample BFT augmentation settings; defaults are the paper's recipe (timm names in
/// brackets). Mixup/CutMix is batch-level (<see cref="MixupCutmix"/>) and the eval crop belongs to
/// <see cref="TransformPipelines.Eval"/>.</summary>
public sealed record AugmentationOptions
{
    /// <summary>Training crop size in pixels [input_size].</summary>
    public int InputSize { get; init; } = 224;

    /// <summary>Smallest RandomResizedCrop area fraction [scale[0]].</summary>
    public double ScaleMin { get; init; } = 0.08;

    /// <summary>timm RandAugment spec, or null/empty to skip it [aa].</summary>
    public string? RandAugment { get; init; } = "rand-m9-mstd0.5-inc1";

    /// <summary>RandomErasing probability, 0 to skip [reprob].</summary>
    public double ReProb { get; init; } = 0.25;






    /// <summary>Resize filter for the crops [train_interpolation].</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bicubic;


    /// <summary>Random horizontal flip (p 0.5) during training [hflip].</summary>
    public bool HorizontalFlip { get; init; } = true;
}

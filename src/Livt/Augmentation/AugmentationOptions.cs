namespace Livt.Augmentation;

/// <summary>The BFT augmentation settings; defaults are the paper's recipe (timm names in brackets).</summary>
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

    /// <summary>Mixup Beta α, 0 disables mixup [mixup].</summary>
    public double Mixup { get; init; } = 0.8;

    /// <summary>CutMix Beta α, 0 disables cutmix [cutmix].</summary>
    public double Cutmix { get; init; } = 1.0;

    /// <summary>Probability of CutMix rather than Mixup when both are on [mixup_switch_prob].</summary>
    public double MixupSwitchProb { get; init; } = 0.5;

    /// <summary>Probability a batch is mixed at all [mixup_prob].</summary>
    public double MixupProb { get; init; } = 1.0;

    /// <summary>Label smoothing of the soft targets [smoothing].</summary>
    public double Smoothing { get; init; } = 0.1;

    /// <summary>Resize filter for the crops [train_interpolation].</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bicubic;

    /// <summary>Evaluation centre-crop fraction [crop_pct].</summary>
    public double CropPct { get; init; } = 0.875;

    /// <summary>Random horizontal flip (p 0.5) during training [hflip].</summary>
    public bool HorizontalFlip { get; init; } = true;
}

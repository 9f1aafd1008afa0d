namespace Livt.Augmentation;

/// <summary>Resampling filter for resizes (see docs/AUGMENTATION.md for the exact kernels).</summary>
public enum Interpolation
{
    /// <summary>Linear in each axis (triangle filter when downscaling).</summary>
    Bilinear,

    /// <summary>Cubic convolution in each axis (a = −0.75 when upscaling as torch, a = −0.5 antialiased when downscaling as PIL).</summary>
    Bicubic,
}

namespace Livt.Benchmarking;

/// <summary>Resident memory after <see cref="Step"/> training steps.</summary>
public sealed record SoakSample(long Step, double ResidentMb);

/// <summary>What a soak measured: resident memory over the run and its growth over the last half.</summary>
public sealed record SoakResult
{
    public required long Steps { get; init; }
    public required string Loss { get; init; }
    public required bool GcStress { get; init; }
    public required double Seconds { get; init; }
    public required IReadOnlyList<SoakSample> Samples { get; init; }
    /// <summary>The highest sampled resident memory.</summary>
    public required double PeakMb { get; init; }
    /// <summary>Resident memory at the last sample minus that at the sample nearest half the steps.</summary>
    public required double LastHalfGrowthMb { get; init; }
    /// <summary><see cref="LastHalfGrowthMb"/> as a fraction of <see cref="PeakMb"/>: flat memory is below 0.01.</summary>
    public required double LastHalfGrowthOfPeak { get; init; }
}

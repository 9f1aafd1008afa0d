namespace Livt.Benchmarking;

/// <summary>How close a step runs to the machine's limit.</summary>
/// <param name="FlopsPerImage">Matrix-multiply FLOPs per image (<see cref="FlopCount"/>): a training step counts 3× its forward.</param>
/// <param name="GflopsPerSecond">Achieved end to end (median images/s × FLOPs per image).</param>
/// <param name="BareGflopsPerSecond">Achieved by the bare step.</param>
/// <param name="PeakGflops">The device's dense peak at the run's precision: the CPU's (<see cref="Livt.Runtime.CpuFeatures"/>)
/// or a known GPU's (<see cref="GpuPeaks"/>); NaN for a GPU not in the table.</param>
/// <param name="PercentOfPeak">End-to-end GFLOP/s as % of the peak.</param>
/// <param name="PeakBasis">How the peak was counted (CPU: cores × clock × FMA units × lanes × 2; GPU: the datasheet figure).</param>
/// <param name="CpuShare">Process CPU time over wall time × cores during the timed steps: below ~0.9 on an
/// otherwise idle machine means threads waited; well below, that other processes took the cores.</param>
public sealed record ComputeUse(double FlopsPerImage, double GflopsPerSecond, double? BareGflopsPerSecond, double PeakGflops,
    double? PercentOfPeak, string PeakBasis, double CpuShare);

using System.Globalization;
using System.Text.RegularExpressions;

namespace Livt.Benchmarking;

/// <summary>
/// Dense peak throughput of common data-centre and workstation GPUs, from NVIDIA's datasheets, found by
/// the name the driver reports (e.g. "NVIDIA H100 80GB HBM3"). Datasheets quote tensor-core figures
/// "with sparsity" (2:4 structured); the dense peak, which a ViT's matrix multiplies can reach, is half
/// of that. fp32 is the CUDA cores' rate, which libtorch's fp32 matrix multiplies use by default (its
/// TF32 tensor-core path is off unless asked for); TF32 is listed for reference.
/// </summary>
public static class GpuPeaks
{
    /// <summary>One GPU's dense peaks in TFLOP/s.</summary>
    /// <param name="Gpu">The product, as the datasheet names it.</param>
    /// <param name="Fp32">CUDA-core fp32.</param>
    /// <param name="Tf32">TF32 tensor cores, dense; null where the GPU has none.</param>
    /// <param name="Bf16">bf16 tensor cores with fp32 accumulation, dense; null where the GPU has none.</param>
    /// <param name="Source">The datasheet the figures come from.</param>
    public sealed record Peak(string Gpu, double Fp32, double? Tf32, double? Bf16, string Source)
    {
        /// <summary>The peak at the run's precision, in GFLOP/s; NaN where the GPU lacks it.</summary>
        public double Gflops(bool bf16) => (bf16 ? Bf16 : Fp32) is { } t ? t * 1000 : double.NaN;

        /// <summary>How the peak was taken, for the bench's JSON.</summary>
        public string Basis(bool bf16) => string.Create(CultureInfo.InvariantCulture, $"{Gpu}: {(bf16 ? Bf16Basis() : Fp32Basis())}, {Source}");

        private string Bf16Basis() => Bf16 is { } b ? $"{b:0.##} TFLOP/s dense bf16 (tensor cores)" : "no bf16 tensor cores";

        private string Fp32Basis() =>
            $"{Fp32:0.##} TFLOP/s fp32 (CUDA cores; TF32 tensor cores {(Tf32 is { } t ? $"{t:0.##} TFLOP/s dense, not used by default" : "absent")})";
    }

    // Most specific first: "H100 NVL" before "H100", "L40S" before "L40", "V100S" before "V100".
    private static readonly (Regex Name, Peak Peak)[] Table =
    [
        (new(@"\bH200 NVL\b"), new("H200 NVL", 60, 417.5, 835.5, "NVIDIA H200 datasheet (NVL: 835 TF32 / 1,671 bf16 TFLOP/s with sparsity)")),
        (new(@"\bH200\b"), new("H200 SXM", 67, 494.5, 989.5, "NVIDIA H200 datasheet (SXM: 989 TF32 / 1,979 bf16 TFLOP/s with sparsity)")),
        (new(@"\bH100 NVL\b"), new("H100 NVL", 60, 417.5, 835.5, "NVIDIA H100 datasheet (NVL: 835 TF32 / 1,671 bf16 TFLOP/s with sparsity)")),
        (new(@"\bH100 PCIe\b", RegexOptions.IgnoreCase), new("H100 PCIe", 51, 378, 756.5,
            "NVIDIA H100 datasheet (PCIe: 756 TF32 / 1,513 bf16 TFLOP/s with sparsity)")),
        (new(@"\bH100\b"), new("H100 SXM", 67, 494.5, 989.5, "NVIDIA H100 datasheet (SXM: 989 TF32 / 1,979 bf16 TFLOP/s with sparsity)")),
        (new(@"\bA100\b"), new("A100", 19.5, 156, 312, "NVIDIA A100 datasheet (SXM and PCIe: 19.5 fp32, 156 TF32, 312 bf16 TFLOP/s dense)")),
        (new(@"\bL40S\b"), new("L40S", 91.6, 183, 362.05, "NVIDIA L40S datasheet (183 TF32 / 362 bf16 TFLOP/s dense)")),
        (new(@"\bL40\b"), new("L40", 90.5, 90.5, 181.05, "NVIDIA L40 datasheet (90.5 TF32 / 181 bf16 TFLOP/s dense)")),
        (new(@"\bL4\b"), new("L4", 30.3, 60, 121, "NVIDIA L4 datasheet (120 TF32 / 242 bf16 TFLOP/s with sparsity)")),
        (new(@"\bA40\b"), new("A40", 37.4, 74.8, 149.7, "NVIDIA A40 datasheet (74.8 TF32 / 149.7 bf16 TFLOP/s dense)")),
        (new(@"\bA10\b"), new("A10", 31.2, 62.5, 125, "NVIDIA A10 datasheet (62.5 TF32 / 125 bf16 TFLOP/s dense)")),
        (new(@"\bV100S\b"), new("V100S PCIe", 16.4, null, null, "NVIDIA V100S datasheet (Volta: no TF32 or bf16 tensor cores)")),
        (new(@"\bV100-PCIE\b", RegexOptions.IgnoreCase), new("V100 PCIe", 14, null, null, "NVIDIA V100 datasheet (PCIe; Volta: no TF32 or bf16 tensor cores)")),
        (new(@"\bV100\b"), new("V100 SXM2", 15.7, null, null, "NVIDIA V100 datasheet (SXM2; Volta: no TF32 or bf16 tensor cores)")),
        (new(@"\bT4\b"), new("T4", 8.1, null, null, "NVIDIA T4 datasheet (Turing: no TF32 or bf16 tensor cores)")),
        (new(@"RTX 4090\b"), new("GeForce RTX 4090", 82.6, 82.6, 165.2, "NVIDIA Ada GPU architecture whitepaper (RTX 4090, fp32 accumulation, dense)")),
        (new(@"RTX 3090\b"), new("GeForce RTX 3090", 35.6, 35.6, 71, "NVIDIA Ampere GA102 GPU architecture whitepaper (RTX 3090, fp32 accumulation, dense)")),
    ];

    /// <summary>The peaks of the GPU the driver calls <paramref name="deviceName"/>, or null for one not in the table.</summary>
    public static Peak? For(string deviceName) => Table.FirstOrDefault(t => t.Name.IsMatch(deviceName)).Peak;

    /// <summary>The GPUs the table knows, for the docs.</summary>
    public static IReadOnlyList<Peak> Known => Table.Select(t => t.Peak).ToArray();
}

using TorchSharp;

namespace Livt.Runtime;

/// <summary>
/// Decides <c>--precision</c>: <c>auto</c> (the default) computes in bf16 where the device multiplies bf16
/// natively, a CPU with <c>amx_bf16</c> or <c>avx512_bf16</c> or a CUDA device of compute capability 8.0
/// or more, and in fp32 elsewhere, where libtorch would emulate bf16 many times slower than fp32.
/// <c>fp32</c> and <c>bf16</c> force the choice (bf16 on such a CPU still works, slowly, and says so).
/// </summary>
public static class PrecisionPolicy
{
    /// <summary>The values <c>--precision</c> accepts.</summary>
    public static IReadOnlyList<string> Values { get; } = ["auto", "fp32", "bf16"];

    /// <summary>Resolves <paramref name="requested"/> for <paramref name="device"/> on this machine (its
    /// /proc/cpuinfo, or the CUDA driver's compute capability).</summary>
    /// <exception cref="LivtException">The value is not auto, fp32 or bf16.</exception>
    public static PrecisionChoice Resolve(string requested, torch.Device device) =>
        device.type == DeviceType.CUDA
            ? Resolve(requested, CpuFeatures.Current, CudaDriver.Capability(device.index < 0 ? 0 : device.index), cuda: true)
            : Resolve(requested, CpuFeatures.Current);

    /// <summary>The decision itself, from the CPU's features or (<paramref name="cuda"/>) the CUDA device's
    /// compute capability (null when it could not be read).</summary>
    /// <exception cref="LivtException">The value is not auto, fp32 or bf16.</exception>
    public static PrecisionChoice Resolve(string requested, CpuFeatures cpu, (int Major, int Minor)? capability = null, bool cuda = false)
    {
        var value = requested.Trim().ToLowerInvariant();
        if (!Values.Contains(value))
            throw new LivtException($"--precision {requested}: expected {string.Join(", ", Values)}");
        var (native, why) = cuda ? CudaNative(capability) : CpuNative(cpu);
        return value switch
        {
            "fp32" => new PrecisionChoice(value, "fp32", "fp32: requested"),
            "bf16" => new PrecisionChoice(value, "bf16", native ? $"bf16: requested ({why})" : $"bf16: requested, but {why}"),
            _ => native ? new PrecisionChoice(value, "bf16", $"bf16: {why}") : new PrecisionChoice(value, "fp32", $"fp32: {why}"),
        };
    }

    private static (bool Native, string Why) CpuNative(CpuFeatures cpu)
    {
        if (cpu.NativeBf16Flag is { } flag) return (true, $"CPU has {flag}");
        var isa = cpu.VectorIsa;
        return isa is "none" or "NEON"
            ? (false, "CPU reports neither amx_bf16 nor avx512_bf16, bf16 would be emulated (many times slower)")
            : (false, $"{isa}-only CPU (no amx_bf16 or avx512_bf16), bf16 would be emulated (~30× slower)");
    }

    private static (bool Native, string Why) CudaNative((int Major, int Minor)? capability) => capability switch
    {
        null => (false, "the CUDA device's compute capability could not be read, so native bf16 is not assured"),
        var (major, minor) when major >= 8 => (true, $"CUDA device of compute capability {major}.{minor} (≥ 8.0)"),
        var (major, minor) => (false, $"CUDA device of compute capability {major}.{minor} has no native bf16 (needs ≥ 8.0)"),
    };
}

using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Runtime;

/// <summary>
/// Every random draw Livt makes: drawn on the CPU from a CPU generator (the run's, or libtorch's global
/// CPU generator when none is given) and then moved to the device that needs it. TorchSharp 0.107 makes
/// every <see cref="Generator"/> on the CPU whatever device it is given, and libtorch refuses a CPU
/// generator for a draw made on a CUDA tensor; drawing on the CPU also gives a CUDA run exactly the
/// numbers the CPU run of the same seed draws (the same masks, drop paths and initial weights). On the
/// CPU nothing moves, so a CPU run draws what it drew before draws came through here.
/// </summary>
public static class CpuRandom
{
    /// <summary>U[0, 1) of <paramref name="shape"/> and <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static Tensor Rand(long[] shape, Device device, Generator? generator, ScalarType dtype = ScalarType.Float32) =>
        OnDevice(torch.rand(shape, dtype, CPU, generator: generator), device);

    /// <summary>N(0, 1) of <paramref name="shape"/> and <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static Tensor Randn(long[] shape, Device device, Generator? generator, ScalarType dtype = ScalarType.Float32) =>
        OnDevice(torch.randn(shape, dtype, CPU, generator: generator), device);

    /// <summary>N(0, 1) of <paramref name="like"/>'s shape, dtype and device.</summary>
    public static Tensor RandnLike(Tensor like, Generator? generator) => Randn(like.shape, like.device, generator, like.dtype);

    /// <summary>Integers uniform in [0, <paramref name="high"/>) (int64) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor RandInt(long high, long[] shape, Device device, Generator? generator) =>
        OnDevice(torch.randint(0, high, shape, ScalarType.Int64, CPU, generator: generator), device);

    /// <summary>A 0/1 mask of <paramref name="shape"/> in <paramref name="dtype"/> on <paramref name="device"/>,
    /// each entry 1 with probability <paramref name="p"/>.</summary>
    public static Tensor Bernoulli(long[] shape, double p, ScalarType dtype, Device device, Generator? generator) =>
        OnDevice(torch.empty(shape, dtype, CPU).bernoulli_(p, generator), device);

    /// <summary>Fills <paramref name="tensor"/> in place with U(<paramref name="low"/>, <paramref name="high"/>);
    /// returns it. Call under <c>no_grad</c> for a parameter.</summary>
    public static Tensor Uniform_(Tensor tensor, double low, double high, Generator? generator)
    {
        if (tensor.device_type == DeviceType.CPU) return tensor.uniform_(low, high, generator);
        using var drawn = torch.empty_like(tensor, device: CPU).uniform_(low, high, generator);
        return tensor.copy_(drawn);
    }

    /// <summary>Fills <paramref name="tensor"/> in place with N(<paramref name="mean"/>, <paramref name="std"/>²);
    /// returns it. Call under <c>no_grad</c> for a parameter.</summary>
    public static Tensor Normal_(Tensor tensor, double mean, double std, Generator? generator)
    {
        if (tensor.device_type == DeviceType.CPU) return tensor.normal_(mean, std, generator);
        using var drawn = torch.empty_like(tensor, device: CPU).normal_(mean, std, generator);
        return tensor.copy_(drawn);
    }

    /// <summary>The CPU draw on <paramref name="device"/>; the CPU copy is freed at once rather than left
    /// to the garbage collector, which would let host memory grow between collections.</summary>
    private static Tensor OnDevice(Tensor cpu, Device device)
    {
        if (device.type == DeviceType.CPU) return cpu;
        using (cpu) return cpu.to(device);
    }
}

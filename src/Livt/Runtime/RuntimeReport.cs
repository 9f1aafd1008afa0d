using System.Runtime.InteropServices;
using TorchSharp;

namespace Livt.Runtime;

/// <summary>
/// What this process runs on, for <c>livt doctor</c> and the bench's JSON: Livt, .NET and TorchSharp,
/// the libtorch loaded (where from, its version and CUDA build), whether CUDA works and the devices the
/// NVIDIA driver shows (name, memory, compute capability), the driver's version and the CPU.
/// </summary>
public sealed record RuntimeReport
{
    /// <summary>Livt's version.</summary>
    public required string Livt { get; init; }

    /// <summary>The .NET runtime's version.</summary>
    public required string Dotnet { get; init; }

    /// <summary>TorchSharp's assembly version.</summary>
    public required string TorchSharp { get; init; }

    /// <summary>The libtorch TorchSharp was built for (major.minor).</summary>
    public required string LibTorchBuiltFor { get; init; }

    /// <summary>The libtorch loaded.</summary>
    public required LibTorchInfo LibTorch { get; init; }

    /// <summary>True when libtorch can run on a CUDA device.</summary>
    public required bool CudaAvailable { get; init; }

    /// <summary>True when libtorch's cuDNN works (null without CUDA).</summary>
    public bool? CudnnAvailable { get; init; }

    /// <summary>The devices libtorch sees (after CUDA_VISIBLE_DEVICES).</summary>
    public required int CudaDeviceCount { get; init; }

    /// <summary>The NVIDIA kernel module's version (e.g. "570.86.15"), or null without a driver.</summary>
    public string? Driver { get; init; }

    /// <summary>The newest CUDA version the driver supports, or null without a driver.</summary>
    public string? DriverCuda { get; init; }

    /// <summary>The devices the driver reports.</summary>
    public required IReadOnlyList<GpuDevice> Devices { get; init; }

    /// <summary>Why CUDA cannot be used, when it cannot and a reason is known.</summary>
    public string? CudaProblem { get; init; }

    /// <summary>The CPU's model name.</summary>
    public required string CpuModel { get; init; }

    /// <summary>Logical processors this process may use.</summary>
    public required int CpuCores { get; init; }

    /// <summary>The CPU flags that decide arithmetic speed.</summary>
    public required IReadOnlyList<string> CpuFlags { get; init; }

    /// <summary>libtorch's intra-op threads.</summary>
    public required int Threads { get; init; }

    /// <summary>Collects the report; loads libtorch (honouring <c>LIVT_LIBTORCH</c>) if nothing has yet.</summary>
    /// <exception cref="LivtException"><c>LIVT_LIBTORCH</c> names a libtorch that cannot be loaded.</exception>
    public static RuntimeReport Collect()
    {
        var libtorch = Runtime.LibTorch.Loaded();
        bool cuda = false;
        bool? cudnn = null;
        int count = 0;
        string? problem = null;
        try
        {
            cuda = torch.cuda.is_available();
            count = cuda ? torch.cuda.device_count() : 0;
            cudnn = cuda ? torch.cuda.is_cudnn_available() : null;
        }
        catch (ExternalException e)
        {
            problem = e.Message.Split('\n')[0];
        }
        var driver = CudaDriver.TryLoad();
        var devices = driver is null ? [] : Enumerable.Range(0, driver.DeviceCount).Select(driver.Device).ToArray();
        if (!cuda && problem is null)
            problem = driver is null ? "no NVIDIA driver or no GPU visible (libcuda.so.1 did not load or initialise)"
                : libtorch.Cuda is null ? $"the libtorch loaded ({libtorch.Directory}) is built without CUDA: set {Runtime.LibTorch.Variable} to a CUDA " +
                    "libtorch (docs/GPU.md)"
                : "libtorch was built with CUDA but sees no device";
        var cpu = CpuFeatures.Current;
        return new RuntimeReport
        {
            Livt = LivtRuntime.Version, Dotnet = Environment.Version.ToString(),
            TorchSharp = typeof(torch).Assembly.GetName().Version?.ToString() ?? "", LibTorchBuiltFor = Runtime.LibTorch.BuiltFor,
            LibTorch = libtorch, CudaAvailable = cuda, CudnnAvailable = cudnn, CudaDeviceCount = count,
            Driver = CudaDriver.KernelModuleVersion(), DriverCuda = driver?.CudaVersion, Devices = devices, CudaProblem = problem,
            CpuModel = cpu.ModelName, CpuCores = cpu.Cores, CpuFlags = cpu.ComputeFlags, Threads = torch.get_num_threads(),
        };
    }
}

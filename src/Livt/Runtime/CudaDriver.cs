using System.Runtime.InteropServices;
using System.Text;

namespace Livt.Runtime;

/// <summary>
/// The CUDA driver API calls Livt needs and TorchSharp does not expose: the devices (name, memory,
/// compute capability) and the CUDA version the driver supports, for <c>livt doctor</c>, the bench and
/// the precision policy; and for the NCCL process group, a device's primary context (the one libtorch
/// uses) made current on the calling thread and a query whether the default stream has finished.
/// libcuda.so.1 comes with the NVIDIA driver, so no CUDA toolkit is needed. Not run here: the machine
/// that builds Livt has no GPU.
/// </summary>
internal sealed unsafe class CudaDriver
{
    private static readonly string[] FileNames = ["libcuda.so.1", "libcuda.so", "nvcuda.dll"];
    private const int CudaSuccess = 0;
    private const int CudaErrorNotReady = 600;
    private const int ComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    private const int ComputeCapabilityMinor = 76;

    private readonly delegate* unmanaged<uint, int> _init;
    private readonly delegate* unmanaged<int*, int> _driverGetVersion;
    private readonly delegate* unmanaged<int*, int> _deviceGetCount;
    private readonly delegate* unmanaged<int*, int, int> _deviceGet;
    private readonly delegate* unmanaged<byte*, int, int, int> _deviceGetName;
    private readonly delegate* unmanaged<nuint*, int, int> _deviceTotalMem;
    private readonly delegate* unmanaged<int*, int, int, int> _deviceGetAttribute;
    private readonly delegate* unmanaged<nint*, int, int> _primaryCtxRetain;
    private readonly delegate* unmanaged<nint, int> _ctxSetCurrent;
    private readonly delegate* unmanaged<nint, int> _streamQuery;
    private readonly delegate* unmanaged<int, byte**, int> _getErrorString;

    private CudaDriver(nint handle)
    {
        _init = (delegate* unmanaged<uint, int>)Export(handle, "cuInit");
        _driverGetVersion = (delegate* unmanaged<int*, int>)Export(handle, "cuDriverGetVersion");
        _deviceGetCount = (delegate* unmanaged<int*, int>)Export(handle, "cuDeviceGetCount");
        _deviceGet = (delegate* unmanaged<int*, int, int>)Export(handle, "cuDeviceGet");
        _deviceGetName = (delegate* unmanaged<byte*, int, int, int>)Export(handle, "cuDeviceGetName");
        _deviceTotalMem = (delegate* unmanaged<nuint*, int, int>)Export(handle, "cuDeviceTotalMem_v2");
        _deviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)Export(handle, "cuDeviceGetAttribute");
        _primaryCtxRetain = (delegate* unmanaged<nint*, int, int>)Export(handle, "cuDevicePrimaryCtxRetain");
        _ctxSetCurrent = (delegate* unmanaged<nint, int>)Export(handle, "cuCtxSetCurrent");
        _streamQuery = (delegate* unmanaged<nint, int>)Export(handle, "cuStreamQuery");
        _getErrorString = (delegate* unmanaged<int, byte**, int>)Export(handle, "cuGetErrorString");
        Check(_init(0), "cuInit");
    }

    /// <summary>The driver, initialised.</summary>
    /// <exception cref="LivtException">No NVIDIA driver, one too old, or one that fails to initialise.</exception>
    public static CudaDriver Load()
    {
        foreach (var name in FileNames)
            if (NativeLibrary.TryLoad(name, out var handle)) return new CudaDriver(handle);
        throw new LivtException($"{FileNames[0]} could not be loaded: the NVIDIA driver is not installed, so CUDA devices cannot be used");
    }

    /// <summary>The driver, or null where there is none or it does not initialise (no device visible).</summary>
    public static CudaDriver? TryLoad()
    {
        try
        {
            return Load();
        }
        catch (LivtException)
        {
            return null;
        }
    }

    /// <summary>The newest CUDA version the driver supports, e.g. "12.8".</summary>
    public string CudaVersion
    {
        get
        {
            int version;
            Check(_driverGetVersion(&version), "cuDriverGetVersion");
            return $"{version / 1000}.{version % 1000 / 10}";
        }
    }

    /// <summary>The CUDA devices this process sees (after CUDA_VISIBLE_DEVICES).</summary>
    public int DeviceCount
    {
        get
        {
            int count;
            Check(_deviceGetCount(&count), "cuDeviceGetCount");
            return count;
        }
    }

    /// <summary>Device <paramref name="ordinal"/>: its name as the driver reports it, total memory and compute capability.</summary>
    public GpuDevice Device(int ordinal)
    {
        int device = Handle(ordinal);
        var name = stackalloc byte[256];
        Check(_deviceGetName(name, 256, device), "cuDeviceGetName");
        nuint bytes;
        Check(_deviceTotalMem(&bytes, device), "cuDeviceTotalMem");
        var (major, minor) = CapabilityOf(ordinal);
        return new GpuDevice(ordinal, Marshal.PtrToStringUTF8((nint)name) ?? "", bytes / 1073741824.0, $"{major}.{minor}");
    }

    /// <summary>(major, minor) compute capability of device <paramref name="ordinal"/>, or null without a
    /// driver or that device.</summary>
    public static (int Major, int Minor)? Capability(int ordinal)
    {
        var driver = TryLoad();
        return driver is null || ordinal >= driver.DeviceCount ? null : driver.CapabilityOf(ordinal);
    }

    private (int Major, int Minor) CapabilityOf(int ordinal)
    {
        int device = Handle(ordinal), major, minor;
        Check(_deviceGetAttribute(&major, ComputeCapabilityMajor, device), "cuDeviceGetAttribute");
        Check(_deviceGetAttribute(&minor, ComputeCapabilityMinor, device), "cuDeviceGetAttribute");
        return (major, minor);
    }

    /// <summary>
    /// Makes device <paramref name="ordinal"/>'s primary context current on this thread and returns it. The
    /// context is retained for the life of the process, as libtorch's is.
    /// </summary>
    public nint UsePrimaryContext(int ordinal)
    {
        int device = Handle(ordinal);
        nint context;
        Check(_primaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        MakeCurrent(context);
        return context;
    }

    /// <summary>Makes <paramref name="context"/> current on this thread.</summary>
    public void MakeCurrent(nint context) => Check(_ctxSetCurrent(context), "cuCtxSetCurrent");

    /// <summary>True once all work queued on <paramref name="stream"/> (0: the legacy default stream) has finished.</summary>
    public bool StreamDone(nint stream)
    {
        int result = _streamQuery(stream);
        if (result == CudaErrorNotReady) return false;
        Check(result, "cuStreamQuery");
        return true;
    }

    /// <summary>The NVIDIA kernel module's version (e.g. "570.86.15") from /proc/driver/nvidia/version, or
    /// null where that file is absent.</summary>
    public static string? KernelModuleVersion()
    {
        const string path = "/proc/driver/nvidia/version";
        if (!File.Exists(path)) return null;
        var match = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(path, Encoding.ASCII), @"Kernel Module\s+(?:for \S+\s+)?([0-9][0-9.]+)");
        return match.Success ? match.Groups[1].Value : null;
    }

    private int Handle(int ordinal)
    {
        int device;
        Check(_deviceGet(&device, ordinal), $"cuDeviceGet({ordinal})");
        return device;
    }

    private void Check(int result, string operation)
    {
        if (result == CudaSuccess) return;
        byte* text = null;
        string detail = _getErrorString(result, &text) == CudaSuccess && text != null ? Marshal.PtrToStringUTF8((nint)text)! : $"error {result}";
        throw new LivtException($"{operation} failed: {detail}");
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new LivtException($"{FileNames[0]} has no symbol {name}: the NVIDIA driver is too old");
}

/// <summary>A CUDA device as the driver describes it.</summary>
/// <param name="Index">Its ordinal (cuda:N).</param>
/// <param name="Name">The name the driver reports, e.g. "NVIDIA H100 80GB HBM3".</param>
/// <param name="MemoryGib">Total memory in GiB.</param>
/// <param name="ComputeCapability">"major.minor", e.g. "9.0".</param>
public sealed record GpuDevice(int Index, string Name, double MemoryGib, string ComputeCapability);

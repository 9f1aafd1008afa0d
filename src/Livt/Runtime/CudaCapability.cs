using System.Runtime.InteropServices;

namespace Livt.Runtime;

/// <summary>A CUDA device's compute capability, read from the driver library (<c>libcuda.so.1</c>, present
/// wherever a GPU is usable): TorchSharp does not expose it.</summary>
public static class CudaCapability
{
    private const int ComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
    private const int ComputeCapabilityMinor = 76;

    /// <summary>(major, minor) of device <paramref name="ordinal"/>, or null without a driver or device.</summary>
    public static unsafe (int Major, int Minor)? Query(int ordinal)
    {
        foreach (var name in new[] { "libcuda.so.1", "libcuda.so", "nvcuda.dll" })
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cuInit", out var init)
                || !NativeLibrary.TryGetExport(lib, "cuDeviceGet", out var get)
                || !NativeLibrary.TryGetExport(lib, "cuDeviceGetAttribute", out var attr)) return null;
            if (((delegate* unmanaged<uint, int>)init)(0) != 0) return null;
            int device, major, minor;
            if (((delegate* unmanaged<int*, int, int>)get)(&device, ordinal) != 0) return null;
            var attribute = (delegate* unmanaged<int*, int, int, int>)attr;
            if (attribute(&major, ComputeCapabilityMajor, device) != 0 || attribute(&minor, ComputeCapabilityMinor, device) != 0) return null;
            return (major, minor);
        }
        return null;
    }
}

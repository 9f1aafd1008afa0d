using System.Runtime.InteropServices;

namespace Livt.Distributed;

/// <summary>
/// The few CUDA driver API calls the NCCL process group needs and TorchSharp does not expose: make a
/// device's primary context (the one libtorch uses) current on the calling thread, so NCCL binds to that
/// device, and ask whether the default stream has finished. libcuda.so.1 comes with the NVIDIA driver,
/// so no CUDA toolkit is needed. Untested here: the machine has no GPU.
/// </summary>
internal sealed unsafe class CudaDriver
{
    private const string FileName = "libcuda.so.1";
    private const int CudaSuccess = 0;
    private const int CudaErrorNotReady = 600;

    private readonly delegate* unmanaged<uint, int> _init;
    private readonly delegate* unmanaged<int*, int, int> _deviceGet;
    private readonly delegate* unmanaged<nint*, int, int> _primaryCtxRetain;
    private readonly delegate* unmanaged<nint, int> _ctxSetCurrent;
    private readonly delegate* unmanaged<nint, int> _streamQuery;
    private readonly delegate* unmanaged<int, byte**, int> _getErrorString;

    private CudaDriver(nint handle)
    {
        _init = (delegate* unmanaged<uint, int>)Export(handle, "cuInit");
        _deviceGet = (delegate* unmanaged<int*, int, int>)Export(handle, "cuDeviceGet");
        _primaryCtxRetain = (delegate* unmanaged<nint*, int, int>)Export(handle, "cuDevicePrimaryCtxRetain");
        _ctxSetCurrent = (delegate* unmanaged<nint, int>)Export(handle, "cuCtxSetCurrent");
        _streamQuery = (delegate* unmanaged<nint, int>)Export(handle, "cuStreamQuery");
        _getErrorString = (delegate* unmanaged<int, byte**, int>)Export(handle, "cuGetErrorString");
        Check(_init(0), "cuInit");
    }

    public static CudaDriver Load() =>
        NativeLibrary.TryLoad(FileName, out var handle)
            ? new CudaDriver(handle)
            : throw new LivtException($"{FileName} could not be loaded: the NVIDIA driver is not installed, so CUDA devices cannot be used");

    /// <summary>
    /// Makes device <paramref name="ordinal"/>'s primary context current on this thread and returns it. The
    /// context is retained for the life of the process, as libtorch's is.
    /// </summary>
    public nint UsePrimaryContext(int ordinal)
    {
        int device;
        Check(_deviceGet(&device, ordinal), $"cuDeviceGet({ordinal})");
        nint context;
        Check(_primaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        MakeCurrent(context);
        return context;
    }

    public void MakeCurrent(nint context) => Check(_ctxSetCurrent(context), "cuCtxSetCurrent");

    /// <summary>True once all work queued on <paramref name="stream"/> (0: the legacy default stream) has finished.</summary>
    public bool StreamDone(nint stream)
    {
        int result = _streamQuery(stream);
        if (result == CudaErrorNotReady) return false;
        Check(result, "cuStreamQuery");
        return true;
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
            : throw new LivtException($"{FileName} has no symbol {name}: the NVIDIA driver is too old");
}

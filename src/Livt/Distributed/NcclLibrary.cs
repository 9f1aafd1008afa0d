using System.Runtime.InteropServices;

namespace Livt.Distributed;

/// <summary>
/// NCCL's C API (nccl.h), loaded at run time from libnccl.so.2. Enum values are NCCL's, unchanged since
/// NCCL 2.0: data types ncclInt32 = 2, ncclInt64 = 4, ncclFloat32 = 7, ncclFloat64 = 8; ncclSum = 0.
/// Written against the documented header; no GPU was available to run it (see docs/DISTRIBUTED.md).
/// </summary>
internal sealed unsafe class NcclLibrary
{
    public const string FileName = "libnccl.so.2";

    public const int Int32 = 2;
    public const int Int64 = 4;
    public const int Float32 = 7;
    public const int Float64 = 8;
    public const int Sum = 0;

    private const int NcclSuccess = 0;
    private const int NcclInProgress = 7;

    private readonly delegate* unmanaged<NcclUniqueId*, int> _getUniqueId;
    private readonly delegate* unmanaged<nint*, int, NcclUniqueId, int, int> _commInitRank;
    private readonly delegate* unmanaged<nint, int> _commDestroy;
    private readonly delegate* unmanaged<nint, int*, int> _commGetAsyncError;
    private readonly delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> _allReduce;
    private readonly delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> _broadcast;
    private readonly delegate* unmanaged<nint, nint, nuint, int, nint, nint, int> _allGather;
    private readonly delegate* unmanaged<int, byte*> _getErrorString;
    private readonly delegate* unmanaged<nint, byte*> _getLastError; // NCCL ≥ 2.13; null before
    private readonly delegate* unmanaged<int*, int> _getVersion;

    private NcclLibrary(nint handle)
    {
        _getUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)Export(handle, "ncclGetUniqueId");
        _commInitRank = (delegate* unmanaged<nint*, int, NcclUniqueId, int, int>)Export(handle, "ncclCommInitRank");
        _commDestroy = (delegate* unmanaged<nint, int>)Export(handle, "ncclCommDestroy");
        _commGetAsyncError = (delegate* unmanaged<nint, int*, int>)Export(handle, "ncclCommGetAsyncError");
        _allReduce = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)Export(handle, "ncclAllReduce");
        _broadcast = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)Export(handle, "ncclBroadcast");
        _allGather = (delegate* unmanaged<nint, nint, nuint, int, nint, nint, int>)Export(handle, "ncclAllGather");
        _getErrorString = (delegate* unmanaged<int, byte*>)Export(handle, "ncclGetErrorString");
        _getVersion = (delegate* unmanaged<int*, int>)Export(handle, "ncclGetVersion");
        if (NativeLibrary.TryGetExport(handle, "ncclGetLastError", out var lastError)) _getLastError = (delegate* unmanaged<nint, byte*>)lastError;
    }

    /// <summary>Loads libnccl.so.2, or explains that it is missing.</summary>
    public static NcclLibrary Load() =>
        NativeLibrary.TryLoad(FileName, out var handle)
            ? new NcclLibrary(handle)
            : throw new LivtException(
                $"training on CUDA with several processes needs NCCL, but {FileName} could not be loaded: install NCCL " +
                "(NVIDIA's libnccl2 package, or the nvidia-nccl-cu12 wheel's lib folder on LD_LIBRARY_PATH)");

    /// <summary>NCCL's version code, e.g. 22105 for 2.21.5.</summary>
    public int Version()
    {
        int version;
        Check(_getVersion(&version), "ncclGetVersion", 0);
        return version;
    }

    public NcclUniqueId GetUniqueId()
    {
        NcclUniqueId id;
        Check(_getUniqueId(&id), "ncclGetUniqueId", 0);
        return id;
    }

    /// <summary>Joins the communicator of <paramref name="id"/> on the calling thread's current CUDA device.</summary>
    public nint CommInitRank(int worldSize, NcclUniqueId id, int rank)
    {
        nint comm;
        Check(_commInitRank(&comm, worldSize, id, rank), "ncclCommInitRank", 0);
        return comm;
    }

    public void CommDestroy(nint comm) => Check(_commDestroy(comm), "ncclCommDestroy", comm);

    /// <summary>Throws if an earlier operation of <paramref name="comm"/> failed asynchronously (a peer disconnected...).</summary>
    public void CheckAsyncError(nint comm)
    {
        int error;
        Check(_commGetAsyncError(comm, &error), "ncclCommGetAsyncError", comm);
        if (error != NcclSuccess && error != NcclInProgress) Check(error, "an NCCL operation", comm);
    }

    public void AllReduce(nint buffer, long count, int type, nint comm, nint stream) =>
        Check(_allReduce(buffer, buffer, (nuint)count, type, Sum, comm, stream), "ncclAllReduce", comm);

    public void Broadcast(nint buffer, long count, int type, int root, nint comm, nint stream) =>
        Check(_broadcast(buffer, buffer, (nuint)count, type, root, comm, stream), "ncclBroadcast", comm);

    public void AllGather(nint send, nint receive, long count, int type, nint comm, nint stream) =>
        Check(_allGather(send, receive, (nuint)count, type, comm, stream), "ncclAllGather", comm);

    private void Check(int result, string operation, nint comm)
    {
        if (result == NcclSuccess) return;
        string detail = Marshal.PtrToStringUTF8((nint)_getErrorString(result)) ?? $"error {result}";
        if (comm != 0 && _getLastError != null && Marshal.PtrToStringUTF8((nint)_getLastError(comm)) is { Length: > 0 } last)
            detail += $" ({last})";
        throw new LivtException($"{operation} failed: {detail}");
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new LivtException($"{FileName} has no symbol {name}: NCCL 2.4 or later is needed");
}

/// <summary>ncclUniqueId: 128 opaque bytes that rank 0 makes and every rank passes to ncclCommInitRank.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NcclUniqueId
{
    public const int Size = 128;
    public fixed byte Bytes[Size];
}

using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>
/// A process group for CUDA tensors over NCCL, one GPU per process, bootstrapped over MPI as Horovod
/// does: rank 0 makes the NCCL unique id and broadcasts it with MPI, then every rank joins the NCCL
/// communicator on its device. CPU tensors (and the barrier) go through the MPI group underneath.
/// <para>
/// Streams: TorchSharp runs every kernel on the device's legacy default stream (stream 0), so the NCCL
/// calls are queued on stream 0 too, ordered after the kernels that produced the gradients and before
/// those that read them. Each collective then waits for stream 0 to drain (cuStreamQuery polling) so a
/// hung peer is caught by the timeout here rather than at some later, unguarded synchronisation.
/// </para>
/// Written against NCCL's documented C API; not run here, for lack of a GPU (docs/DISTRIBUTED.md).
/// </summary>
public sealed class NcclProcessGroup : IProcessGroup
{
    private const nint DefaultStream = 0;

    private readonly MpiProcessGroup _mpi;
    private readonly NcclLibrary _nccl;
    private readonly CudaDriver _cuda;
    private readonly CollectiveWatchdog _watchdog;
    private readonly nint _context;
    private readonly nint _comm;
    private readonly int _device;
    private bool _disposed;

    private NcclProcessGroup(MpiProcessGroup mpi, NcclLibrary nccl, CudaDriver cuda, int device, DistributedOptions options)
    {
        _mpi = mpi;
        _nccl = nccl;
        _cuda = cuda;
        _device = device;
        _watchdog = new CollectiveWatchdog(options.CollectiveTimeout, () => $"rank {Rank} of {WorldSize} (cuda:{device})", MpiSession.Abort);
        try
        {
            _context = cuda.UsePrimaryContext(device);
            var id = ShareUniqueId();
            using (_watchdog.Enter("joining the NCCL communicator"))
                _comm = nccl.CommInitRank(WorldSize, id, Rank);
        }
        catch
        {
            _watchdog.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts MPI, then joins the NCCL communicator on <paramref name="device"/> (a CUDA device with an
    /// index; see <see cref="ProcessGroups.LocalDevice"/>). NCCL and the driver are loaded first, so a
    /// machine without them fails on every rank with the reason, before any process waits on another.
    /// </summary>
    public static NcclProcessGroup Start(LaunchEnvironment launch, Device device, DistributedOptions options)
    {
        if (device.type != DeviceType.CUDA || device.index < 0)
            throw new ArgumentException($"the NCCL process group needs a CUDA device with an index, not {device}", nameof(device));
        var nccl = NcclLibrary.Load();
        var cuda = CudaDriver.Load();
        var mpi = MpiProcessGroup.Start(launch, options);
        try
        {
            return new NcclProcessGroup(mpi, nccl, cuda, device.index, options);
        }
        catch
        {
            mpi.Dispose();
            throw;
        }
    }

    public int Rank => _mpi.Rank;
    public int WorldSize => _mpi.WorldSize;
    public int LocalRank => _mpi.LocalRank;
    public string Backend => "nccl";

    /// <summary>"NCCL 2.21.5, over " and the MPI library's version line.</summary>
    public string LibraryVersion
    {
        get
        {
            int code = _nccl.Version();
            // NCCL_VERSION_CODE: X·1000 + Y·100 + Z up to 2.8, X·10000 + Y·100 + Z from 2.9.
            var (major, minor, patch) = code >= 10000 ? (code / 10000, code / 100 % 100, code % 100) : (code / 1000, code / 100 % 10, code % 100);
            return $"NCCL {major}.{minor}.{patch}, over {_mpi.LibraryVersion}";
        }
    }

    public void AllReduce(Tensor tensor)
    {
        if (tensor.device_type == DeviceType.CPU)
        {
            _mpi.AllReduce(tensor);
            return;
        }
        var (type, address) = Memory(tensor, "all-reduce");
        using var _ = _watchdog.Enter($"an all-reduce of {TensorMemory.Describe(tensor)}");
        _nccl.AllReduce(address, tensor.NumberOfElements, type, _comm, DefaultStream);
        WaitForStream();
    }

    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (tensor.device_type == DeviceType.CPU)
        {
            _mpi.Broadcast(tensor, root);
            return;
        }
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), $"root {root} is not a rank of {WorldSize}");
        var (type, address) = Memory(tensor, "broadcast");
        using var _ = _watchdog.Enter($"a broadcast of {TensorMemory.Describe(tensor)} from rank {root}");
        _nccl.Broadcast(address, tensor.NumberOfElements, type, root, _comm, DefaultStream);
        WaitForStream();
    }

    public Tensor AllGather(Tensor tensor)
    {
        if (tensor.device_type == DeviceType.CPU) return _mpi.AllGather(tensor);
        if (tensor.dim() == 0) throw new ArgumentException("all-gather needs a tensor with a first dimension", nameof(tensor));
        var (type, address) = Memory(tensor, "all-gather");
        var shape = tensor.shape.ToArray();
        shape[0] *= WorldSize;
        var result = torch.empty(shape, tensor.dtype, tensor.device);
        try
        {
            using var _ = _watchdog.Enter($"an all-gather of {TensorMemory.Describe(tensor)} per process");
            _nccl.AllGather(address, TensorMemory.Address(result, "all-gather"), tensor.NumberOfElements, type, _comm, DefaultStream);
            WaitForStream();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>A host-side barrier (over MPI); queued GPU work is not waited for.</summary>
    public void Barrier() => _mpi.Barrier();

    /// <summary>Leaves the NCCL communicator and stops the watchdogs; MPI stays up until the process exits.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _nccl.CommDestroy(_comm);
        _watchdog.Dispose();
        _mpi.Dispose();
    }

    /// <summary>Rank 0's ncclUniqueId, sent to every rank over MPI (as 16 int64 values).</summary>
    private unsafe NcclUniqueId ShareUniqueId()
    {
        var id = Rank == 0 ? _nccl.GetUniqueId() : default;
        var words = new long[NcclUniqueId.Size / sizeof(long)];
        new ReadOnlySpan<byte>(id.Bytes, NcclUniqueId.Size).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(words.AsSpan()));
        using (var tensor = torch.tensor(words))
        {
            _mpi.Broadcast(tensor, root: 0);
            tensor.data<long>().CopyTo(words, 0);
        }
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(words.AsSpan()).CopyTo(new Span<byte>(id.Bytes, NcclUniqueId.Size));
        return id;
    }

    private void WaitForStream()
    {
        // libtorch's kernels and NCCL's run on stream 0 of this process's device; the driver call needs
        // that device's context current on this thread.
        _cuda.MakeCurrent(_context);
        var spin = new SpinWait();
        while (!_cuda.StreamDone(DefaultStream))
        {
            _nccl.CheckAsyncError(_comm);
            spin.SpinOnce();
        }
        _nccl.CheckAsyncError(_comm);
    }

    private (int Type, nint Address) Memory(Tensor tensor, string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tensor.device_type != DeviceType.CUDA || tensor.device_index != _device)
            throw new ArgumentException($"this NCCL process group runs on cuda:{_device}; {operation} got a tensor on {tensor.device}", nameof(tensor));
        int type = tensor.dtype switch
        {
            ScalarType.Float32 => NcclLibrary.Float32,
            ScalarType.Float64 => NcclLibrary.Float64,
            ScalarType.Int64 => NcclLibrary.Int64,
            ScalarType.Int32 => NcclLibrary.Int32,
            _ => throw new ArgumentException($"{operation} supports float32, float64, int32 and int64 tensors, not {tensor.dtype}", nameof(tensor)),
        };
        return (type, TensorMemory.Address(tensor, operation));
    }
}

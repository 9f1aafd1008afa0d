using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>
/// A process group over MPI (Open MPI or MPICH, loaded at run time) for CPU tensors: the sums, copies and
/// gathers run on the tensors' memory in place. CUDA tensors belong to <see cref="NcclProcessGroup"/>.
/// Every collective is watched by a timeout that aborts the whole job.
/// </summary>
public sealed class MpiProcessGroup : IProcessGroup
{
    // MPI counts are C ints: larger tensors go in pieces of at most this many elements.
    private const int MaxCount = 1 << 30;

    private readonly MpiLibrary _mpi;
    private readonly nint _comm;
    private readonly CollectiveWatchdog _watchdog;
    private bool _disposed;

    private MpiProcessGroup(MpiLibrary mpi, LaunchEnvironment launch, DistributedOptions options)
    {
        _mpi = mpi;
        _comm = mpi.CommWorld;
        Rank = mpi.CommRank(_comm);
        WorldSize = mpi.CommSize(_comm);
        LocalRank = launch.LocalRank;
        if ((Rank, WorldSize) != (launch.Rank, launch.WorldSize))
            throw new LivtException(
                $"the launcher started this process as {launch.Describe()}, but MPI ({mpi.Path}) sees rank {Rank} of {WorldSize}: " +
                "the MPI library is not the launcher's (mixing Open MPI's mpirun with MPICH's library, or the reverse); " +
                "use the matching mpirun or set LIVT_MPI_LIBRARY");
        _watchdog = new CollectiveWatchdog(options.CollectiveTimeout, () => $"rank {Rank} of {WorldSize}", MpiSession.Abort);
    }

    /// <summary>
    /// Initialises MPI (once per process; finalised at exit) and joins the job the launcher started.
    /// </summary>
    public static MpiProcessGroup Start(LaunchEnvironment launch, DistributedOptions options) =>
        new(MpiSession.Start(launch, options), launch, options);

    public int Rank { get; }
    public int WorldSize { get; }
    public int LocalRank { get; }
    public string Backend => "mpi";

    /// <summary>The MPI library's own version line, e.g. "Open MPI v4.1.4, ...".</summary>
    public string LibraryVersion => _mpi.LibraryVersion();

    public void AllReduce(Tensor tensor)
    {
        var (type, address) = Memory(tensor, "all-reduce");
        long count = tensor.NumberOfElements;
        using var _ = _watchdog.Enter($"an all-reduce of {TensorMemory.Describe(tensor)}");
        InPieces(address, count, tensor.ElementSize, (piece, n) => _mpi.Allreduce(_mpi.InPlace, piece, n, type, _mpi.Sum, _comm), "MPI_Allreduce");
    }

    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), $"root {root} is not a rank of {WorldSize}");
        var (type, address) = Memory(tensor, "broadcast");
        long count = tensor.NumberOfElements;
        using var _ = _watchdog.Enter($"a broadcast of {TensorMemory.Describe(tensor)} from rank {root}");
        InPieces(address, count, tensor.ElementSize, (piece, n) => _mpi.Bcast(piece, n, type, root, _comm), "MPI_Bcast");
    }

    public Tensor AllGather(Tensor tensor)
    {
        if (tensor.dim() == 0) throw new ArgumentException("all-gather needs a tensor with a first dimension", nameof(tensor));
        var (type, address) = Memory(tensor, "all-gather");
        long count = tensor.NumberOfElements;
        if (count > int.MaxValue) throw new ArgumentException($"all-gather of {count} elements per process exceeds MPI's int count", nameof(tensor));
        var shape = tensor.shape.ToArray();
        shape[0] *= WorldSize;
        var result = torch.empty(shape, tensor.dtype, tensor.device);
        try
        {
            using var _ = _watchdog.Enter($"an all-gather of {TensorMemory.Describe(tensor)} per process");
            _mpi.Check(_mpi.Allgather(address, (int)count, type, TensorMemory.Address(result, "all-gather"), (int)count, type, _comm), "MPI_Allgather");
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public void Barrier()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var _ = _watchdog.Enter("a barrier");
        _mpi.Check(_mpi.Barrier(_comm), "MPI_Barrier");
    }

    /// <summary>Stops the watchdog. MPI itself stays initialised until the process exits (MPI cannot be
    /// initialised twice in one process).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _watchdog.Dispose();
    }

    /// <summary>Runs <paramref name="call"/> over pieces of at most <see cref="MaxCount"/> elements (once for an empty tensor).</summary>
    private void InPieces(nint address, long count, long elementSize, Func<nint, int, int> call, string name)
    {
        long done = 0;
        do
        {
            int n = (int)Math.Min(MaxCount, count - done);
            _mpi.Check(call(address + (nint)(done * elementSize), n), name);
            done += n;
        } while (done < count);
    }

    private (nint Type, nint Address) Memory(Tensor tensor, string operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException($"the MPI process group runs on CPU tensors; {operation} of a {tensor.device_type} tensor needs the NCCL process group",
                nameof(tensor));
        nint type = tensor.dtype switch
        {
            ScalarType.Float32 => _mpi.Float,
            ScalarType.Float64 => _mpi.Double,
            ScalarType.Int64 => _mpi.Int64,
            ScalarType.Int32 => _mpi.Int32,
            _ => throw new ArgumentException($"{operation} supports float32, float64, int32 and int64 tensors, not {tensor.dtype}", nameof(tensor)),
        };
        return (type, TensorMemory.Address(tensor, operation));
    }
}

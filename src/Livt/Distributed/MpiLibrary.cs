using System.Runtime.InteropServices;
using System.Text;

namespace Livt.Distributed;

/// <summary>
/// The MPI C API, loaded at run time from the MPI library the launcher belongs to, so Livt needs no C
/// shim and no MPI at build time. MPI's handles are opaque in the standard and differ between the two
/// families: Open MPI's <c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>... are the addresses of
/// exported objects (<c>ompi_mpi_comm_world</c>...), MPICH's (and its derivatives': Intel MPI, Cray
/// MPICH, MVAPICH) are 32-bit integer constants from its <c>mpi.h</c>. Both are held here as
/// <see cref="nint"/>: an MPICH handle passed where the C function takes an <c>int</c> occupies the low
/// half of the same register or stack slot, which is all the callee reads on the 64-bit System V and
/// AArch64 calling conventions (the only ones Livt runs on).
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>MPI_THREAD_MULTIPLE (3 in both families): the watchdog thread may call MPI_Abort while
    /// the training thread is blocked inside a collective.</summary>
    public const int ThreadMultiple = 3;

    private const int MpiSuccess = 0;
    // MPI_MAX_ERROR_STRING is 256 in Open MPI and 512 in MPICH; MPI_MAX_LIBRARY_VERSION_STRING 256 and 8192.
    private const int MaxErrorString = 512;
    private const int MaxLibraryVersionString = 8192;

    private static readonly string[] OpenMpiNames = ["libmpi.so.40"];
    // Upstream MPICH installs libmpi.so.12; Debian and Ubuntu ship it as libmpich.so.12.
    private static readonly string[] MpichNames = ["libmpi.so.12", "libmpich.so.12"];

    private readonly delegate* unmanaged<int*, nint, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<int*, int> _queryThread;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<nint, nint, int> _commSetErrhandler;
    private readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<nint, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly delegate* unmanaged<byte*, int*, int> _libraryVersion;

    private MpiLibrary(string path, nint handle)
    {
        Path = path;
        _initThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export(handle, "MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export(handle, "MPI_Finalize");
        _queryThread = (delegate* unmanaged<int*, int>)Export(handle, "MPI_Query_thread");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export(handle, "MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export(handle, "MPI_Comm_set_errhandler");
        _allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Export(handle, "MPI_Allreduce");
        _bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Export(handle, "MPI_Bcast");
        _allgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)Export(handle, "MPI_Allgather");
        _barrier = (delegate* unmanaged<nint, int>)Export(handle, "MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export(handle, "MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export(handle, "MPI_Error_string");
        _libraryVersion = (delegate* unmanaged<byte*, int*, int>)Export(handle, "MPI_Get_library_version");

        if (NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out var world))
        {
            IsOpenMpi = true;
            CommWorld = world;
            Float = Export(handle, "ompi_mpi_float");
            Double = Export(handle, "ompi_mpi_double");
            Int32 = Export(handle, "ompi_mpi_int");
            Int64 = Export(handle, "ompi_mpi_int64_t");
            Sum = Export(handle, "ompi_mpi_op_sum");
            ErrorsReturn = Export(handle, "ompi_mpi_errors_return");
            InPlace = 1;
        }
        else
        {
            // Values of MPICH's mpi.h (stable across MPICH 3 and 4 and its ABI-compatible derivatives).
            CommWorld = 0x44000000;
            Float = 0x4c00040a;
            Double = 0x4c00080b;
            Int32 = 0x4c000405;
            Int64 = 0x4c00083a;
            Sum = 0x58000003;
            ErrorsReturn = 0x54000001;
            InPlace = -1;
        }
    }

    /// <summary>The file the library was loaded from.</summary>
    public string Path { get; }

    /// <summary>True for Open MPI, false for the MPICH family.</summary>
    public bool IsOpenMpi { get; }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Int32 { get; }
    public nint Int64 { get; }
    public nint Sum { get; }
    public nint ErrorsReturn { get; }
    /// <summary>MPI_IN_PLACE: 1 in Open MPI, −1 in MPICH.</summary>
    public nint InPlace { get; }

    /// <summary>
    /// Loads the MPI library: <paramref name="explicitPath"/> if given (<c>LIVT_MPI_LIBRARY</c>), otherwise
    /// the family of the launcher that started the process (Open MPI's mpirun → libmpi.so.40, MPICH's
    /// Hydra → libmpi.so.12), otherwise whichever is installed, Open MPI first.
    /// </summary>
    public static MpiLibrary Load(LaunchEnvironment launch, string? explicitPath)
    {
        string[] candidates = explicitPath is not null ? [explicitPath]
            : launch.Launcher == Launcher.OpenMpi ? OpenMpiNames
            : launch.Launcher == Launcher.Hydra ? MpichNames
            : [.. OpenMpiNames, .. MpichNames];
        foreach (var name in candidates)
        {
            // Open MPI dlopens its own plugins, which may expect libmpi's symbols to be global (why
            // mpi4py opens it RTLD_GLOBAL); NativeLibrary.Load would open it RTLD_LOCAL. Debian's
            // Open MPI 4.1.4 happens to work either way.
            nint handle = DlOpen(name, RtldNow | RtldGlobal);
            if (handle != 0) return new MpiLibrary(name, handle);
        }
        throw new LivtException(
            $"{launch.Describe()}, but no MPI library could be loaded (tried {string.Join(", ", candidates)}): " +
            "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) or MPICH, or set LIVT_MPI_LIBRARY to the path of libmpi.so");
    }

    public bool IsInitialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool IsFinalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary>MPI_Init_thread with no command line; returns the thread level provided.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, 0, required, &provided), "MPI_Init_thread");
        return provided;
    }

    /// <summary>The thread level of an MPI that was initialised already.</summary>
    public int QueryThread()
    {
        int provided;
        Check(_queryThread(&provided), "MPI_Query_thread");
        return provided;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    public int CommRank(nint comm)
    {
        int rank;
        Check(_commRank(comm, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int CommSize(nint comm)
    {
        int size;
        Check(_commSize(comm, &size), "MPI_Comm_size");
        return size;
    }

    /// <summary>Makes errors on <paramref name="comm"/> return codes (turned into exceptions here)
    /// instead of aborting inside the library with its own message.</summary>
    public void ReturnErrors(nint comm) => Check(_commSetErrhandler(comm, ErrorsReturn), "MPI_Comm_set_errhandler");

    public int Allreduce(nint sendBuffer, nint receiveBuffer, int count, nint type, nint op, nint comm) =>
        _allreduce(sendBuffer, receiveBuffer, count, type, op, comm);

    public int Bcast(nint buffer, int count, nint type, int root, nint comm) => _bcast(buffer, count, type, root, comm);

    public int Allgather(nint sendBuffer, int sendCount, nint sendType, nint receiveBuffer, int receiveCount, nint receiveType, nint comm) =>
        _allgather(sendBuffer, sendCount, sendType, receiveBuffer, receiveCount, receiveType, comm);

    public int Barrier(nint comm) => _barrier(comm);

    /// <summary>Asks the launcher to end every process of <paramref name="comm"/>'s job with <paramref name="code"/>.</summary>
    public void Abort(nint comm, int code) => _abort(comm, code);

    /// <summary>The library's own version line, e.g. "Open MPI v4.1.4, ...".</summary>
    public string LibraryVersion()
    {
        var buffer = new byte[MaxLibraryVersionString];
        int length;
        fixed (byte* p = buffer)
            if (_libraryVersion(p, &length) != MpiSuccess) return Path;
        // Open MPI counts the terminating NUL in the length; MPICH separates fields with tabs.
        string first = Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0').Split('\n')[0];
        return string.Join(' ', first.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimEnd(',', ' ');
    }

    /// <summary>Throws with MPI's own explanation of <paramref name="code"/> when it is not MPI_SUCCESS.</summary>
    public void Check(int code, string operation)
    {
        if (code != MpiSuccess) throw new LivtException($"{operation} failed: {ErrorString(code)} (MPI error {code})");
    }

    public string ErrorString(int code)
    {
        var buffer = new byte[MaxErrorString];
        int length;
        fixed (byte* p = buffer)
            if (_errorString(code, p, &length) != MpiSuccess) return "unknown error";
        return Encoding.ASCII.GetString(buffer, 0, Math.Clamp(length, 0, buffer.Length)).TrimEnd('\0').Trim();
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new LivtException($"the MPI library has no symbol {name}: it is not an MPI-3 library (set LIVT_MPI_LIBRARY to Open MPI's libmpi.so.40 or " +
                "MPICH's libmpi.so.12)");

    private const int RtldNow = 2;
    private const int RtldGlobal = 0x100;

    /// <summary>dlopen with explicit flags (NativeLibrary.Load has none): in libc.so.6 since glibc 2.34, in libdl.so.2 before.</summary>
    private static nint DlOpen(string file, int mode)
    {
        foreach (var library in new[] { "libc.so.6", "libdl.so.2" })
        {
            if (!NativeLibrary.TryLoad(library, out var libc) || !NativeLibrary.TryGetExport(libc, "dlopen", out var dlopen)) continue;
            var name = Marshal.StringToCoTaskMemUTF8(file);
            try
            {
                return ((delegate* unmanaged<nint, int, nint>)dlopen)(name, mode);
            }
            finally
            {
                Marshal.FreeCoTaskMem(name);
            }
        }
        return 0;
    }
}

using Livt.Distributed;

namespace Livt.Tests.Distributed;

public class MpiLibraryTests
{
    [MpiFact]
    public void OpenMpisHandlesAreItsExportedObjects()
    {
        // Loading (not initialising) MPI is harmless in the test process; the queries below are the
        // ones MPI allows before MPI_Init.
        var mpi = MpiLibrary.Load(new LaunchEnvironment(Launcher.OpenMpi, 0, 2, 0), explicitPath: null);
        Assert.True(mpi.IsOpenMpi);
        Assert.Equal("libmpi.so.40", mpi.Path);
        Assert.All(new[] { mpi.CommWorld, mpi.Float, mpi.Double, mpi.Int32, mpi.Int64, mpi.Sum, mpi.ErrorsReturn }, h => Assert.True(h > 4096));
        Assert.Equal(5, new[] { mpi.Float, mpi.Double, mpi.Int32, mpi.Int64, mpi.Sum }.Distinct().Count());
        Assert.Equal(1, mpi.InPlace);
        Assert.False(mpi.IsInitialized());
        Assert.StartsWith("Open MPI v", mpi.LibraryVersion());
    }

    [Fact]
    public void AMissingLibraryIsExplained()
    {
        var e = Assert.Throws<LivtException>(() => MpiLibrary.Load(new LaunchEnvironment(Launcher.OpenMpi, 1, 2, 0), "/nonexistent/libmpi.so"));
        Assert.Contains("rank 1 of 2 (started by Open MPI's mpirun)", e.Message);
        Assert.Contains("/nonexistent/libmpi.so", e.Message);
    }
}

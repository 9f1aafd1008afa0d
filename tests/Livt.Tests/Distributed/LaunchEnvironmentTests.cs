using Livt.Distributed;

namespace Livt.Tests.Distributed;

public class LaunchEnvironmentTests
{
    private static LaunchEnvironment From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return LaunchEnvironment.FromVariables(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void NoLauncherIsASingleProcess()
    {
        Assert.Equal(LaunchEnvironment.Unlaunched, From());
        Assert.False(From().IsDistributed);
        // Inside a Slurm batch script, without srun, the job's variables describe no step of tasks.
        Assert.Equal(Launcher.None, From(("SLURM_PROCID", "0"), ("SLURM_NTASKS", "8"), ("SLURM_JOB_ID", "42")).Launcher);
    }

    [Fact]
    public void EachLaunchersVariablesAreRead()
    {
        Assert.Equal(new LaunchEnvironment(Launcher.OpenMpi, 3, 4, 1),
            From(("OMPI_COMM_WORLD_RANK", "3"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1")));
        Assert.Equal(new LaunchEnvironment(Launcher.Hydra, 1, 2, 0), From(("PMI_RANK", "1"), ("PMI_SIZE", "2")));
        Assert.Equal(new LaunchEnvironment(Launcher.Slurm, 5, 8, 1),
            From(("SLURM_PROCID", "5"), ("SLURM_STEP_NUM_TASKS", "8"), ("SLURM_LOCALID", "1"), ("SLURM_NTASKS", "8")));
        Assert.True(From(("PMI_RANK", "0"), ("PMI_SIZE", "2")).IsDistributed);
        Assert.False(From(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "1")).IsDistributed);
    }

    [Fact]
    public void ProcessesPerMachineDivideTheCoresByDefault()
    {
        var openMpi = From(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "2"));
        Assert.Equal(2, openMpi.LocalSize);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), openMpi.DefaultThreads);
        Assert.Equal(3, From(("PMI_RANK", "0"), ("PMI_SIZE", "3"), ("MPI_LOCALNRANKS", "3")).LocalSize);
        // Slurm compresses the per-node counts: 4 tasks on each of nodes 0 and 1, 3 on node 2.
        Assert.Equal(3, From(("SLURM_PROCID", "9"), ("SLURM_STEP_NUM_TASKS", "11"), ("SLURM_NODEID", "2"), ("SLURM_STEP_TASKS_PER_NODE", "4(x2),3")).LocalSize);
        Assert.Equal(4, LaunchEnvironment.SlurmTasksOnNode("4(x2),3", 1));
        Assert.Equal(1, LaunchEnvironment.SlurmTasksOnNode("garbled", 0));
        // A single process keeps libtorch's own default.
        Assert.Null(From().DefaultThreads);
    }

    [Theory]
    [InlineData("OMPI_COMM_WORLD_RANK", "two", "OMPI_COMM_WORLD_RANK=two")]
    [InlineData("OMPI_COMM_WORLD_RANK", "4", "is not below OMPI_COMM_WORLD_SIZE=4")]
    [InlineData("OMPI_COMM_WORLD_RANK", "-1", "OMPI_COMM_WORLD_RANK=-1")]
    public void AnInconsistentEnvironmentIsNamed(string name, string value, string expected)
    {
        var e = Assert.Throws<LivtException>(() => From(("OMPI_COMM_WORLD_SIZE", "4"), (name, value)));
        Assert.Contains(expected, e.Message);
        Assert.Contains("OMPI_COMM_WORLD_RANK is not set", Assert.Throws<LivtException>(() => From(("OMPI_COMM_WORLD_SIZE", "4"))).Message);
    }
}

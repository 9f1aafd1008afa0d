using System.Globalization;

namespace Livt.Distributed;

/// <summary>
/// The rank, world size and local rank that the launcher put in this process's environment. Read before
/// MPI is loaded, so a run without a launcher never touches MPI.
/// </summary>
/// <param name="Launcher">What started the process.</param>
/// <param name="Rank">This process's rank in the job.</param>
/// <param name="WorldSize">Processes in the job.</param>
/// <param name="LocalRank">This process's index among the job's processes on its machine.</param>
public sealed record LaunchEnvironment(Launcher Launcher, int Rank, int WorldSize, int LocalRank)
{
    /// <summary>A process started without a launcher.</summary>
    public static LaunchEnvironment Unlaunched { get; } = new(Launcher.None, 0, 1, 0);

    /// <summary>More than one process: the job needs a real process group.</summary>
    public bool IsDistributed => WorldSize > 1;

    /// <summary>The job's processes on this machine (1 where the launcher does not say).</summary>
    public int LocalSize { get; init; } = 1;

    /// <summary>
    /// libtorch threads for a process that was not given <c>--threads</c>: null (libtorch's default, all
    /// cores) for a single process; under a launcher, the machine's cores divided among its processes, or
    /// every process would start a thread per core and they would fight over them.
    /// </summary>
    public int? DefaultThreads => IsDistributed ? Math.Max(1, Environment.ProcessorCount / Math.Max(1, LocalSize)) : null;

    /// <summary>Reads this process's environment.</summary>
    public static LaunchEnvironment Detect() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads the launcher's variables through <paramref name="variable"/>. Open MPI's mpirun sets
    /// OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK/LOCAL_SIZE; MPICH's Hydra PMI_RANK/PMI_SIZE and
    /// MPI_LOCALRANKID/MPI_LOCALNRANKS; srun SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID and
    /// SLURM_STEP_TASKS_PER_NODE (with SLURM_NODEID). A Slurm batch script itself (no srun) has
    /// no step task count and counts as unlaunched, so a job script that runs livt directly still works.
    /// </summary>
    public static LaunchEnvironment FromVariables(Func<string, string?> variable)
    {
        if (variable("OMPI_COMM_WORLD_SIZE") is not null)
            return Read(variable, Launcher.OpenMpi, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK") with
            {
                LocalSize = Parse(variable, "OMPI_COMM_WORLD_LOCAL_SIZE", required: false, min: 1, missing: 1),
            };
        if (variable("PMI_SIZE") is not null)
            return Read(variable, Launcher.Hydra, "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID") with
            {
                LocalSize = Parse(variable, "MPI_LOCALNRANKS", required: false, min: 1, missing: 1),
            };
        if (variable("SLURM_STEP_NUM_TASKS") is not null && variable("SLURM_PROCID") is not null)
            return Read(variable, Launcher.Slurm, "SLURM_PROCID", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID") with
            {
                LocalSize = SlurmTasksOnNode(variable("SLURM_STEP_TASKS_PER_NODE"), Parse(variable, "SLURM_NODEID", required: false, min: 0)),
            };
        return Unlaunched;
    }

    /// <summary>One phrase for messages, e.g. "rank 1 of 4 (started by Open MPI's mpirun)".</summary>
    public string Describe() => Launcher switch
    {
        Launcher.None => "a single process (no launcher)",
        Launcher.OpenMpi => $"rank {Rank} of {WorldSize} (started by Open MPI's mpirun)",
        Launcher.Hydra => $"rank {Rank} of {WorldSize} (started by MPICH's mpiexec)",
        _ => $"rank {Rank} of {WorldSize} (started by Slurm's srun)",
    };

    private static LaunchEnvironment Read(Func<string, string?> variable, Launcher launcher, string rankName, string sizeName, string localName)
    {
        int size = Parse(variable, sizeName, required: true, min: 1);
        int rank = Parse(variable, rankName, required: true, min: 0);
        if (rank >= size)
            throw new LivtException($"{rankName}={rank} is not below {sizeName}={size}: the launcher's environment is inconsistent");
        // A local rank is only needed to pick a GPU; a launcher that omits it runs one process per machine.
        int local = Parse(variable, localName, required: false, min: 0);
        return new LaunchEnvironment(launcher, rank, size, local);
    }

    /// <summary>
    /// This node's entry of Slurm's compressed per-node task counts, e.g. "4(x2),3" (4 tasks on each of
    /// the first two nodes, 3 on the third); 1 when absent or unreadable (the thread default then
    /// assumes one process per machine, never fewer threads than cores allow).
    /// </summary>
    internal static int SlurmTasksOnNode(string? tasksPerNode, int nodeId)
    {
        if (tasksPerNode is null) return 1;
        int node = 0;
        foreach (var part in tasksPerNode.Split(','))
        {
            var m = System.Text.RegularExpressions.Regex.Match(part.Trim(), @"^(\d+)(?:\(x(\d+)\))?$");
            if (!m.Success) return 1;
            int tasks = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            node += m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 1;
            if (nodeId < node) return Math.Max(1, tasks);
        }
        return 1;
    }

    private static int Parse(Func<string, string?> variable, string name, bool required, int min, int missing = 0)
    {
        var text = variable(name);
        if (text is null)
            return required ? throw new LivtException($"{name} is not set although the launcher set the other variables of its kind") : missing;
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new LivtException($"{name}={text}: expected an integer of at least {min}");
        return value;
    }
}

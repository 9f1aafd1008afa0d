namespace Livt.Distributed;

/// <summary>What started this process, as its environment tells.</summary>
public enum Launcher
{
    /// <summary>Started directly: a single-process run.</summary>
    None,

    /// <summary>Open MPI's mpirun / mpiexec (OMPI_COMM_WORLD_* variables).</summary>
    OpenMpi,

    /// <summary>MPICH's (or Intel MPI's) Hydra mpiexec (PMI_RANK, PMI_SIZE).</summary>
    Hydra,

    /// <summary>Slurm's srun (SLURM_PROCID, SLURM_STEP_NUM_TASKS).</summary>
    Slurm,
}

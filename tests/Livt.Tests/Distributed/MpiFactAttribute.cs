namespace Livt.Tests.Distributed;

/// <summary>A test that needs Open MPI's mpirun; skipped, with the reason, where it is missing.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Unavailable is { } reason) Skip = reason;
    }
}

namespace Livt.Data;

/// <summary>Which samples make up a training epoch.</summary>
public enum SamplerKind
{
    /// <summary>Every sample once, shuffled (<see cref="UniformSampler"/>).</summary>
    Instance,

    /// <summary>Every class equally likely (<see cref="ClassBalancedSampler"/>).</summary>
    ClassAware,

    /// <summary>Classes ∝ √n (<see cref="SquareRootSampler"/>).</summary>
    Sqrt,

    /// <summary>From instance- to class-balanced over the run (<see cref="ProgressiveSampler"/>).</summary>
    Progressive,
}

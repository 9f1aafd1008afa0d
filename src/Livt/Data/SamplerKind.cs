namespace Livt.Data;

/// <summary>Which samples make up a training epoch.</summary>
public enum SamplerKind
{
    /// <summary>Every sample once, shuffled (<see cref="UniformSampler"/>).</summary>
    Instance,

    /// <summary>Every class equally likely (<see cref="ClassBalancedSampler"/>), as cRT's and <c>livt
    /// retrain-head</c>'s default.</summary>
    ClassBalanced,

    /// <summary>The earlier name of <see cref="ClassBalanced"/>, still read from recipes and run folders.</summary>
    ClassAware = ClassBalanced,

    /// <summary>Classes ∝ √n (<see cref="SquareRootSampler"/>).</summary>
    Sqrt,

    /// <summary>From instance- to class-balanced over the run (<see cref="ProgressiveSampler"/>).</summary>
    Progressive,
}

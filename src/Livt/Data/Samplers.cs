namespace Livt.Data;

/// <summary>Builds the sampler a <see cref="SamplerKind"/> names.</summary>
public static class Samplers
{
    /// <summary>The sampler of <paramref name="kind"/> over <paramref name="dataset"/>; the progressive
    /// one reaches class balance at <paramref name="totalEpochs"/>.</summary>
    public static ISampler Create(SamplerKind kind, IImageDataset dataset, int seed, int totalEpochs) => kind switch
    {
        SamplerKind.Instance => new UniformSampler(dataset, seed),
        SamplerKind.ClassBalanced => new ClassBalancedSampler(dataset, seed),
        SamplerKind.Sqrt => new SquareRootSampler(dataset, seed),
        SamplerKind.Progressive => new ProgressiveSampler(dataset, totalEpochs, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

namespace Livt.Data;

/// <summary>Square-root sampling (Mahajan et al. 2018): q_c ∝ √n_c.</summary>
public sealed class SquareRootSampler : ClassAwareSampler
{
    public SquareRootSampler(IImageDataset dataset, int seed) : base(dataset, seed) { }
    public SquareRootSampler(IReadOnlyList<int> labels, int seed) : base(labels, seed) { }

    protected override double[] ClassWeights(int epoch) => ClassCounts.Select(n => Math.Sqrt(n)).ToArray();
}

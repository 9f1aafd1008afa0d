namespace Livt.Data;

/// <summary>Class-balanced sampling: every class equally likely (q_c = 1/C).</summary>
public sealed class ClassBalancedSampler : ClassAwareSampler
{
    public ClassBalancedSampler(IImageDataset dataset, int seed) : base(dataset, seed) { }
    public ClassBalancedSampler(IReadOnlyList<int> labels, int seed) : base(labels, seed) { }

    protected override double[] ClassWeights(int epoch) => ClassCounts.Select(_ => 1.0).ToArray();
}

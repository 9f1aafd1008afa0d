namespace Livt.Data;

/// <summary>
/// Progressively-balanced sampling (Kang et al. 2020): q_c(t) = (1 − t/T)·n_c/N + (t/T)·1/C, moving
/// from instance-balanced at epoch 0 to class-balanced at epoch T (<c>totalEpochs</c>), clamped after.
/// </summary>
public sealed class ProgressiveSampler : ClassAwareSampler
{
    private readonly int _totalEpochs;

    public ProgressiveSampler(IImageDataset dataset, int totalEpochs, int seed) : base(dataset, seed) =>
        _totalEpochs = CheckEpochs(totalEpochs);

    public ProgressiveSampler(IReadOnlyList<int> labels, int totalEpochs, int seed) : base(labels, seed) =>
        _totalEpochs = CheckEpochs(totalEpochs);

    protected override double[] ClassWeights(int epoch)
    {
        double t = Math.Clamp((double)epoch / _totalEpochs, 0, 1);
        double total = ClassCounts.Sum();
        int present = ClassCounts.Count(n => n > 0);
        return ClassCounts.Select(n => (1 - t) * n / total + t / present).ToArray();
    }

    private static int CheckEpochs(int totalEpochs) =>
        totalEpochs > 0 ? totalEpochs : throw new LivtException($"progressive sampling needs a positive epoch count, got {totalEpochs}");
}

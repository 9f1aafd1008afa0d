namespace Livt.Data;

/// <summary>
/// Class-aware sampling (Shen et al. 2016; Kang et al. 2020, "Decoupling representation and
/// classifier"): each draw picks a class c with probability q_c, then the next sample of that class
/// from a per-class shuffled cycle, so samples of a class are reused evenly. An epoch has as many
/// draws as the dataset has samples. Subclasses define q for an epoch.
/// </summary>
public abstract class ClassAwareSampler : ISampler
{
    private readonly int[][] _byClass;
    private readonly int _seed;

    protected ClassAwareSampler(IReadOnlyList<int> labels, int seed)
    {
        _byClass = IndicesByClass(labels);
        ClassCounts = _byClass.Select(l => (long)l.Length).ToArray();
        _seed = seed;
    }

    protected ClassAwareSampler(IImageDataset dataset, int seed) : this(LabelsOf(dataset), seed) { }

    /// <summary>Training images per class; classes without images are never drawn.</summary>
    protected long[] ClassCounts { get; }

    /// <summary>Unnormalised class weights for <paramref name="epoch"/>; only present classes are drawn.</summary>
    protected abstract double[] ClassWeights(int epoch);

    public int[] EpochIndices(int epoch)
    {
        var rng = new Random(SeedMixer.Mix(_seed, epoch));
        double[] weights = ClassWeights(epoch);
        var cumulative = new double[weights.Length];
        double total = 0;
        for (int c = 0; c < weights.Length; c++)
        {
            total += ClassCounts[c] > 0 ? weights[c] : 0;
            cumulative[c] = total;
        }
        var cycles = _byClass.Select(l => (int[])l.Clone()).ToArray();
        foreach (var cycle in cycles) SeedMixer.Shuffle(cycle, rng);
        var cursor = new int[cycles.Length];
        int count = _byClass.Sum(l => l.Length);
        var indices = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = Array.BinarySearch(cumulative, rng.NextDouble() * total);
            c = c < 0 ? ~c : c + 1; // the first class whose cumulative weight exceeds the draw
            while (c >= cycles.Length || cycles[c].Length == 0) c = c >= cycles.Length ? 0 : c + 1;
            if (cursor[c] == cycles[c].Length)
            {
                SeedMixer.Shuffle(cycles[c], rng);
                cursor[c] = 0;
            }
            indices[i] = cycles[c][cursor[c]++];
        }
        return indices;
    }

    /// <summary>The sample indices of each class 0 … max label, in order.</summary>
    /// <exception cref="LivtException">No samples, or a negative label.</exception>
    internal static int[][] IndicesByClass(IReadOnlyList<int> labels)
    {
        if (labels.Count == 0) throw new LivtException("cannot sample from an empty dataset");
        int numClasses = labels.Max() + 1;
        var lists = new List<int>[numClasses];
        for (int c = 0; c < numClasses; c++) lists[c] = [];
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0) throw new LivtException($"sample {i} has negative label {labels[i]}");
            lists[labels[i]].Add(i);
        }
        return lists.Select(l => l.ToArray()).ToArray();
    }

    internal static int[] LabelsOf(IImageDataset dataset)
    {
        var labels = new int[dataset.Count];
        for (int i = 0; i < labels.Length; i++) labels[i] = dataset.GetLabel(i);
        return labels;
    }
}

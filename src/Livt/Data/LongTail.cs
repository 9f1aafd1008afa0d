namespace Livt.Data;

/// <summary>
/// Builds a long-tailed training split from a balanced one (the CIFAR-10/100-LT convention, also
/// used for Fashion-MNIST-LT). Class 0 is the head; class order is the dataset's label order.
/// </summary>
public static class LongTail
{
    /// <summary>
    /// Images kept per class. Exp: ⌊n_max · (1/IF)^(c/(C−1))⌋ computed in doubles (Fashion-MNIST,
    /// IF 100: 6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60). Step: n_max for the first
    /// ⌊C/2⌋ classes, ⌊n_max / IF⌋ after.
    /// </summary>
    public static int[] Counts(int nMax, int numClasses, double imbalance, LongTailProfile profile)
    {
        if (nMax <= 0) throw new LivtException($"long-tail n_max must be positive, got {nMax}");
        if (numClasses <= 0) throw new LivtException($"long-tail class count must be positive, got {numClasses}");
        if (!(imbalance >= 1)) throw new LivtException($"imbalance factor must be >= 1, got {imbalance}");
        var counts = new int[numClasses];
        double ratio = 1.0 / imbalance;
        for (int c = 0; c < numClasses; c++)
        {
            counts[c] = profile switch
            {
                LongTailProfile.Exp => (int)Math.Floor(nMax * Math.Pow(ratio, numClasses == 1 ? 0 : c / (numClasses - 1.0))),
                LongTailProfile.Step => c < numClasses / 2 ? nMax : (int)Math.Floor(nMax * ratio),
                _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, null),
            };
            if (counts[c] == 0)
                throw new LivtException($"imbalance factor {imbalance} leaves class {c} with no images (n_max {nMax})");
        }
        return counts;
    }

    /// <summary>
    /// The long-tailed subset of <paramref name="balanced"/>: n_max is the smallest class size, and each
    /// class keeps the first n_c of its indices (in dataset order) after a shuffle chosen by
    /// <paramref name="split"/>: <see cref="LongTailSplit.Livt"/> seeds each class from (seed, class) and
    /// returns the samples in their original order; <see cref="LongTailSplit.Ldam"/> and
    /// <see cref="LongTailSplit.Cui"/> draw from one numpy (Python) generator seeded with 0 across the
    /// classes in label order, whatever <paramref name="seed"/> is, and return the samples class by class
    /// in the order drawn, as the official loaders hold them.
    /// </summary>
    public static IImageDataset Subset(IImageDataset balanced, double imbalance, LongTailProfile profile, int seed,
        LongTailSplit split = LongTailSplit.Livt)
    {
        var labels = new int[balanced.Count];
        var present = new bool[balanced.NumClasses];
        for (int i = 0; i < labels.Length; i++) present[labels[i] = balanced.GetLabel(i)] = true;
        for (int c = 0; c < present.Length; c++)
            if (!present[c])
                throw new LivtException($"cannot build a long-tailed split: class {c} ('{balanced.ClassNames[c]}') has no images");
        return new SubsetDataset(balanced, Indices(labels, balanced.NumClasses, imbalance, profile, seed, split));
    }

    /// <summary>The indices <see cref="Subset"/> keeps, from the labels of the balanced set.</summary>
    public static int[] Indices(IReadOnlyList<int> labels, int numClasses, double imbalance, LongTailProfile profile, int seed,
        LongTailSplit split = LongTailSplit.Livt)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var byClass = new List<int>[numClasses];
        for (int c = 0; c < numClasses; c++) byClass[c] = [];
        for (int i = 0; i < labels.Count; i++) byClass[labels[i]].Add(i);
        int nMax = byClass.Min(l => l.Count);
        int[] counts = Counts(nMax, numClasses, imbalance, profile);
        var shared = split switch
        {
            LongTailSplit.Ldam => MersenneTwister.NumpySeed(0),
            LongTailSplit.Cui => MersenneTwister.PythonSeed(0),
            _ => null,
        };
        var kept = new List<int>(counts.Sum());
        for (int c = 0; c < numClasses; c++)
        {
            int[] indices = byClass[c].ToArray();
            switch (split)
            {
                case LongTailSplit.Ldam: shared!.NumpyShuffle(indices); break;
                case LongTailSplit.Cui: shared!.PythonShuffle(indices); break;
                default: SeedMixer.Shuffle(indices, new Random(SeedMixer.Mix(seed, c))); break;
            }
            kept.AddRange(indices.AsSpan(0, counts[c]).ToArray());
        }
        int[] selection = kept.ToArray();
        if (split == LongTailSplit.Livt) Array.Sort(selection);
        return selection;
    }
}

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
    /// The long-tailed subset of <paramref name="balanced"/>: n_max is the smallest class size, and
    /// each class keeps the first n_c of its indices after a shuffle seeded by (seed, class), so one
    /// class's choice does not depend on the others. Samples keep their original order.
    /// </summary>
    public static IImageDataset Subset(IImageDataset balanced, double imbalance, LongTailProfile profile, int seed)
    {
        var byClass = new List<int>[balanced.NumClasses];
        for (int c = 0; c < byClass.Length; c++) byClass[c] = [];
        for (int i = 0; i < balanced.Count; i++) byClass[balanced.GetLabel(i)].Add(i);
        for (int c = 0; c < byClass.Length; c++)
            if (byClass[c].Count == 0)
                throw new LivtException($"cannot build a long-tailed split: class {c} ('{balanced.ClassNames[c]}') has no images");
        int nMax = byClass.Min(l => l.Count);
        int[] counts = Counts(nMax, byClass.Length, imbalance, profile);
        var kept = new List<int>(counts.Sum());
        for (int c = 0; c < byClass.Length; c++)
        {
            int[] indices = byClass[c].ToArray();
            SeedMixer.Shuffle(indices, new Random(SeedMixer.Mix(seed, c)));
            kept.AddRange(indices.AsSpan(0, counts[c]).ToArray());
        }
        int[] selection = kept.ToArray();
        Array.Sort(selection);
        return new SubsetDataset(balanced, selection);
    }
}

namespace Livt.Data;

/// <summary>
/// Holds out a validation split from training data, per class, so that a best epoch can be chosen
/// without looking at the test set (the official LiVT code picks its best epoch on the test set).
/// </summary>
public static class StratifiedSplit
{
    /// <summary>Moves round(fraction · n_c) images of each class — at least one, and never a class's
    /// last image — into the validation split, chosen by a seeded shuffle.</summary>
    public static (IImageDataset Train, IImageDataset Validation) Split(IImageDataset data, double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "must be in (0, 1)");
        var byClass = new List<int>[data.NumClasses];
        for (int c = 0; c < byClass.Length; c++) byClass[c] = [];
        for (int i = 0; i < data.Count; i++) byClass[data.GetLabel(i)].Add(i);

        var rng = new Random(seed);
        var train = new List<int>();
        var val = new List<int>();
        for (int c = 0; c < byClass.Length; c++)
        {
            var idx = byClass[c].ToArray();
            if (idx.Length < 2)
                throw new LivtException($"class {c} ({data.ClassNames[c]}) has {idx.Length} training image(s): a validation split needs at least 2 per class");
            rng.Shuffle(idx);
            int take = Math.Clamp((int)Math.Round(fraction * idx.Length), 1, idx.Length - 1);
            val.AddRange(idx[..take]);
            train.AddRange(idx[take..]);
        }
        train.Sort();
        val.Sort();
        return (new SubsetDataset(data, train.ToArray()), new SubsetDataset(data, val.ToArray()));
    }
}

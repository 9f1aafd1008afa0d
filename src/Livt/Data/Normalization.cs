namespace Livt.Data;

/// <summary>The per-channel mean and std a run normalises its inputs with.</summary>
public static class Normalization
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// Small in-memory sets (Fashion-MNIST-LT, CIFAR-LT) use the statistics of their own long-tailed
    /// training split (docs/METHOD.md); ImageNet-LT, iNaturalist 2018 and Places-LT the constants LiVT's
    /// code gives them; other image files the usual ImageNet constants, as MAE does, which also avoids
    /// decoding every image before training.
    /// </summary>
    public static (float[] Mean, float[] Std) For(string dataset, IImageDataset train)
    {
        string name = DatasetCatalog.Canonical(dataset) ?? dataset;
        if (FileBenchmark.Find(name) is { } benchmark && train.Channels == benchmark.Mean.Length) return (benchmark.Mean, benchmark.Std);
        return DatasetCatalog.ReadsImageFiles(name) ? ImageNet(train.Channels) : DatasetStats.MeanStd(train);
    }

    // LiVT's util/datasets.py get_mean_std, by Livt's dataset names: the file benchmarks' (ImageNet-LT,
    // iNaturalist 2018, Places-LT, which takes ImageNet's) and the others it names.
    private static readonly Dictionary<string, (float[] Mean, float[] Std)> Official =
        FileBenchmark.All.ToDictionary(b => b.Name, b => (b.Mean, b.Std))
            .Concat(new Dictionary<string, (float[] Mean, float[] Std)>
            {
                ["imagenet-bal"] = ([0.480767f, 0.457071f, 0.407718f], [0.279940f, 0.272481f, 0.286038f]),
                ["imagenet"] = (ImageNetMean, ImageNetStd),
                ["cifar"] = ([0.4914f, 0.4822f, 0.4465f], [0.2023f, 0.1994f, 0.2010f]),
            })
            .ToDictionary(kv => kv.Key, kv => kv.Value);

    /// <summary>The dataset names <see cref="OfficialFor"/> knows: LiVT's <c>get_mean_std</c> cases.</summary>
    public static IReadOnlyList<string> OfficialNames { get; } = Official.Keys.ToArray();

    /// <summary>
    /// The constants LiVT's <c>util/datasets.py</c> (<c>get_mean_std</c>) normalises <paramref name="dataset"/>
    /// with, which its checkpoints expect: ImageNet-LT's and iNaturalist 2018's own statistics, ImageNet's for
    /// ImageNet and Places-LT, CIFAR's for CIFAR-10/100-LT. For a channel count other than 3, their channel
    /// average on every channel.
    /// </summary>
    /// <exception cref="LivtException">A name not in <see cref="OfficialNames"/>.</exception>
    public static (float[] Mean, float[] Std) OfficialFor(string dataset, int channels)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!Official.TryGetValue(dataset.Trim().ToLowerInvariant(), out var c))
            throw new LivtException($"--normalization {dataset}: unknown; choose one of {string.Join(", ", OfficialNames)} (LiVT's util/datasets.py), or " +
                "give --mean/--std");
        return channels == 3 ? c : (Repeat(c.Mean.Average(), channels), Repeat(c.Std.Average(), channels));
    }

    /// <summary>The dataset of LiVT's released classifiers with <paramref name="numClasses"/> classes:
    /// ImageNet-LT (1000) and iNaturalist 2018 (8142), the two it published checkpoints for; null otherwise.</summary>
    public static string? OfficialCheckpointDataset(int numClasses) => numClasses switch
    {
        1000 => "imagenet-lt",
        8142 => "inat18",
        _ => null,
    };

    private static float[] Repeat(float value, int count) => Enumerable.Repeat(value, count).ToArray();

    /// <summary>ImageNet's per-channel constants (what MAE and LiVT normalise with); for another channel
    /// count, their average on every channel.</summary>
    public static (float[] Mean, float[] Std) ImageNet(int channels) => OfficialFor("imagenet", channels);
}

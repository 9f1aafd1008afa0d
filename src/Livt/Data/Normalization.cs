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

    /// <summary>ImageNet's per-channel constants (what MAE and LiVT normalise with); for another channel
    /// count, their average on every channel.</summary>
    public static (float[] Mean, float[] Std) ImageNet(int channels) =>
        channels == 3
            ? (ImageNetMean, ImageNetStd)
            : (Enumerable.Repeat(ImageNetMean.Average(), channels).ToArray(), Enumerable.Repeat(ImageNetStd.Average(), channels).ToArray());
}

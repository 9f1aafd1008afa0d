using Livt.Data;


namespace Livt.Data;

/// <summary>The per-channel mean and std a run normalises its inputs with.</summary>
public static class Normalization
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// Small in-memory sets (Fashion-MNIST-LT, CIFAR-LT) use the statistics of their own long-tailed
    /// training split, as METHOD.md asks; image-file sets use the usual ImageNet constants, which is
    /// what the paper does and avoids decoding every image before training.
    /// </summary>
    public static (float[] Mean, float[] Std) For(string dataset, IImageDataset train)
    {
        return dataset is "imagefolder" or "list" ? ImageNet(train.Channels) : DatasetStats.MeanStd(train);
    }

    /// <summary>ImageNet's per-channel constants (what MAE and LiVT normalise with); for another channel
    /// count, their average on every channel.</summary>
    public static (float[] Mean, float[] Std) ImageNet(int channels) =>
        channels == 3
            ? (ImageNetMean, ImageNetStd)
            : (Enumerable.Repeat(ImageNetMean.Average(), channels).ToArray(), Enumerable.Repeat(ImageNetStd.Average(), channels).ToArray());
}

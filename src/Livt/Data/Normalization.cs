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
        if (dataset is "imagefolder" or "list")
        {
            return train.Channels == 3
                ? (ImageNetMean, ImageNetStd)
                : ([ImageNetMean.Average()], [ImageNetStd.Average()]);
        }
        return DatasetStats.MeanStd(train);
    }
}

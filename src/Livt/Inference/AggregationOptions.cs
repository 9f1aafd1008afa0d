using Livt.Augmentation;

namespace Livt.Inference;

/// <summary>
/// The settings of SADE's test-time self-supervised aggregation (<c>livt evaluate --test-time-aggregation</c>),
/// defaults from its <c>test_time_*.json</c> configs and <c>test_training_*.py</c>: at most 5 passes over the
/// split, batches of 128 shuffled images, SGD (momentum 0.9, Nesterov, weight decay 5e-4).
/// </summary>
public sealed record AggregationOptions
{
    /// <summary>Most passes over a split's images (SADE: 5, stopping early once a weight is below 0.05).</summary>
    [Setting("--test-time-aggregation: most passes over a split (stops once a weight is below 0.05)", Flag = "--aggregation-epochs")]
    public int Epochs { get; init; } = 5;

    /// <summary>SGD learning rate; null: <see cref="DefaultLr"/> of the dataset.</summary>
    [Setting("--test-time-aggregation: SGD learning rate (default: SADE's CIFAR 0.1 for fashion-mnist-lt and cifar*-lt, its ImageNet-LT 0.025 " +
        "otherwise)", Flag = "--aggregation-lr")]
    public double? Lr { get; init; }

    /// <summary>Images per step (SADE: 128).</summary>
    [Setting("--test-time-aggregation: images per step", Flag = "--aggregation-batch-size")]
    public int BatchSize { get; init; } = 128;

    /// <summary>Seed of the order and the views (<c>livt evaluate</c>: <c>--split-seed</c>'s).</summary>
    public int Seed { get; init; }

    /// <summary>SADE's learning rate for a dataset of its kind: CIFAR-100-LT's 0.1 for the small built-in
    /// datasets (Fashion-MNIST-LT, CIFAR-10/100-LT), ImageNet-LT's 0.025 for list and ImageFolder datasets
    /// (its Places-LT 0.01 and iNaturalist 0.2 are given with <see cref="Lr"/>).</summary>
    public static double DefaultLr(string dataset) => SmallImages(dataset) ? 0.1 : 0.025;

    /// <summary>SADE's two views for a dataset of its kind: its CIFAR script's (padded crop) for the small
    /// built-in datasets, its ImageNet-LT script's (MoCo v2) for list and ImageFolder datasets.</summary>
    public static MultiViewTransform Views(string dataset, int inputSize, float[] mean, float[] std) => SmallImages(dataset)
        ? TransformPipelines.TestTimeViewsSmall(inputSize, mean, std)
        : TransformPipelines.TestTimeViews(inputSize, mean, std);

    private static bool SmallImages(string dataset) => dataset is "fashion-mnist-lt" or "cifar10-lt" or "cifar100-lt";
}

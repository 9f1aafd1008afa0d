namespace Livt.Data;

/// <summary>
/// A long-tailed benchmark that ships as image files: ImageNet-LT, iNaturalist 2018 or Places-LT. It is
/// read as the official LiVT code sorts it (an ImageFolder tree, <c>train/</c> and <c>val/</c>) or from
/// the list files the benchmark ships (<c>ImageNet_LT_train.txt</c>, ...), and normalised with the
/// constants LiVT's code gives it.
/// </summary>
/// <param name="Name">Livt's name (<c>--dataset imagenet-lt</c>).</param>
/// <param name="OfficialName">The name LiVT's code gives it (<c>--dataset ImageNet-LT</c>).</param>
/// <param name="TrainList">The list file of the training split.</param>
/// <param name="TestList">The list file of the split results are reported on.</param>
/// <param name="ValList">The list file of the validation split, if it has one apart from the test split.</param>
/// <param name="Mean">Per-channel mean (LiVT's <c>util/datasets.py</c>).</param>
/// <param name="Std">Per-channel std.</param>
public sealed record FileBenchmark(string Name, string OfficialName, string TrainList, string TestList, string? ValList, float[] Mean, float[] Std)
{
    /// <summary>The three benchmarks.</summary>
    public static IReadOnlyList<FileBenchmark> All { get; } =
    [
        new("imagenet-lt", "ImageNet-LT", "ImageNet_LT_train.txt", "ImageNet_LT_test.txt", "ImageNet_LT_val.txt",
            [0.479672f, 0.457713f, 0.407721f], [0.278976f, 0.271203f, 0.286062f]),
        new("inat18", "iNat18", "iNaturalist18_train.txt", "iNaturalist18_val.txt", null,
            [0.466f, 0.471f, 0.380f], [0.195f, 0.194f, 0.192f]),
        new("places-lt", "Places-LT", "Places_LT_train.txt", "Places_LT_test.txt", "Places_LT_val.txt",
            [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]),
    ];

    /// <summary>The benchmark called <paramref name="name"/> (Livt's canonical name), or null.</summary>
    public static FileBenchmark? Find(string name) => All.FirstOrDefault(b => b.Name == name);
}

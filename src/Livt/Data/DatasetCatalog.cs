using System.Globalization;

namespace Livt.Data;

/// <summary>Loads a dataset by name (<see cref="DatasetOptions.Name"/>).</summary>
public static class DatasetCatalog
{
    /// <summary>Fashion-MNIST's class names, by label.</summary>
    public static IReadOnlyList<string> FashionMnistClasses { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The dataset names <see cref="Load"/> accepts (in any case; see <see cref="Canonical"/>).</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["fashion-mnist-lt", "cifar10-lt", "cifar100-lt", .. FileBenchmark.All.Select(b => b.Name), "imagefolder", "list"];

    // Other spellings of the official code and the papers.
    private static readonly Dictionary<string, string> OtherNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["inaturalist2018"] = "inat18", ["inaturalist-2018"] = "inat18", ["inat2018"] = "inat18", ["places"] = "places-lt", ["place"] = "places-lt",
    };

    /// <summary>
    /// Livt's name for <paramref name="name"/>, matched without regard to case or <c>_</c>/<c>-</c>
    /// (<c>ImageNet-LT</c> → <c>imagenet-lt</c>, <c>cifar10-LT</c> → <c>cifar10-lt</c>, <c>iNat18</c> →
    /// <c>inat18</c>), or null for an unknown name.
    /// </summary>
    public static string? Canonical(string? name)
    {
        string? key = name?.Trim().Replace('_', '-').ToLowerInvariant();
        if (key is null) return null;
        if (OtherNames.TryGetValue(key, out var other)) return other;
        return Names.Contains(key) ? key : null;
    }

    /// <summary>Whether <paramref name="name"/> (canonical) is read from image files, so list files and a
    /// val/ folder may give it a validation split: imagefolder, list and the file benchmarks.</summary>
    public static bool ReadsImageFiles(string name) => name is "imagefolder" or "list" || FileBenchmark.Find(name) is not null;

    /// <summary>
    /// Loads train and test splits. Built-in sets (fashion-mnist-lt, cifar10-lt, cifar100-lt) get a
    /// long-tailed training split built with <see cref="LongTail.Subset"/> and keep their full balanced
    /// test split; imagefolder and list sets are used as they are.
    /// </summary>
    /// <exception cref="LivtException">Unknown name, data not found, or malformed data.</exception>
    public static DatasetSplits Load(DatasetOptions options)
    {
        string name = Canonical(options.Name)
            ?? throw new LivtException($"unknown dataset '{options.Name}': choose one of {string.Join(", ", Names)}");
        options = options with { Name = name };
        if (FileBenchmark.Find(name) is { } benchmark) return LoadBenchmark(options, benchmark);
        return name switch
        {
            "fashion-mnist-lt" => LongTailed(options, LoadFashionMnist(options)),
            "cifar10-lt" => LongTailed(options, LoadCifar(options, BuiltInDataset.Cifar10, 1, CifarBinary.Cifar10Classes,
                BuiltInDataset.Cifar10.RequiredFiles[..5], "test_batch.bin")),
            "cifar100-lt" => LongTailed(options, LoadCifar(options, BuiltInDataset.Cifar100, 2, CifarBinary.Cifar100Classes,
                ["train.bin"], "test.bin")),
            "imagefolder" => LoadImageFolder(options),
            "list" => LoadList(options),
            _ => throw new InvalidOperationException(name),
        };
    }

    /// <summary>The long-tailed split a built-in set uses unless told otherwise: CIFAR-10/100-LT the
    /// benchmark's (<see cref="LongTailSplit.Ldam"/>, what LiVT and the published numbers use),
    /// Fashion-MNIST-LT Livt's own (<see cref="LongTailSplit.Livt"/>), which has no published split.</summary>
    public static LongTailSplit DefaultSplit(string dataset) =>
        dataset is "cifar10-lt" or "cifar100-lt" ? LongTailSplit.Ldam : LongTailSplit.Livt;

    /// <summary>
    /// A file benchmark: from the list files given (<c>--train-list</c>, as <c>list</c>), else as the
    /// official LiVT code reads it, an ImageFolder tree (<c>train/</c>, <c>val/</c>), else from the list
    /// files it ships, found under the data root by their usual names.
    /// </summary>
    private static DatasetSplits LoadBenchmark(DatasetOptions options, FileBenchmark benchmark)
    {
        string root = options.DataDir
            ?? throw new LivtException($"dataset '{benchmark.OfficialName}' needs --data-dir: its ImageFolder tree (train/, val/) or the root of its list " +
                "files' image paths");
        DatasetSplits splits;
        if (options.TrainList is not null)
            splits = LoadList(options);
        else if (Directory.Exists(Path.Combine(root, "train")))
            splits = LoadImageFolder(options);
        else if (File.Exists(Path.Combine(root, benchmark.TrainList)))
            splits = LoadList(options with
            {
                TrainList = benchmark.TrainList, TestList = options.TestList ?? benchmark.TestList,
                ValList = options.ValList ?? (benchmark.ValList is { } v && File.Exists(Path.Combine(root, v)) ? v : null),
            });
        else
            throw new LivtException($"{root}: neither an ImageFolder tree (train/, val/) nor {benchmark.TrainList}; give --train-list and --test-list if the " +
                "lists are elsewhere");
        return splits with { Name = $"{benchmark.OfficialName} ({splits.Name})" };
    }

    private static DatasetSplits LongTailed(DatasetOptions options, (IImageDataset Train, IImageDataset Test) balanced)
    {
        var split = options.Split ?? DefaultSplit(options.Name);
        var train = LongTail.Subset(balanced.Train, options.Imbalance, options.Profile, options.Seed, split);
        string splitName = split == LongTailSplit.Livt ? "" : $", {split.ToString().ToLowerInvariant()} split";
        string name = string.Create(CultureInfo.InvariantCulture,
            $"{options.Name} (IF {options.Imbalance:0.###}, {options.Profile.ToString().ToLowerInvariant()}{splitName})");
        return new DatasetSplits(train, balanced.Test, name);
    }

    private static (IImageDataset, IImageDataset) LoadFashionMnist(DatasetOptions options)
    {
        var source = BuiltInDataset.FashionMnist;
        string dir = source.Locate(options.DataDir, options.AllowDownload);
        string File(string name) => BuiltInDataset.FindFile(dir, name)!;
        return (IdxFile.ReadDataset(File("train-images-idx3-ubyte"), File("train-labels-idx1-ubyte"), FashionMnistClasses),
                IdxFile.ReadDataset(File("t10k-images-idx3-ubyte"), File("t10k-labels-idx1-ubyte"), FashionMnistClasses));
    }

    private static (IImageDataset, IImageDataset) LoadCifar(DatasetOptions options, BuiltInDataset source, int labelBytes,
        IReadOnlyList<string> classes, string[] trainFiles, string testFile)
    {
        string dir = source.Locate(options.DataDir, options.AllowDownload);
        return (CifarBinary.Read(trainFiles.Select(f => Path.Combine(dir, f)).ToArray(), labelBytes, classes),
                CifarBinary.Read([Path.Combine(dir, testFile)], labelBytes, classes));
    }

    private static DatasetSplits LoadImageFolder(DatasetOptions options)
    {
        string root = options.DataDir
            ?? throw new LivtException("dataset 'imagefolder' needs --data-dir pointing to a folder with train/<class>/<image> and val/<class>/<image>");
        string trainDir = Path.Combine(root, "train"), valDir = Path.Combine(root, "val"), testDir = Path.Combine(root, "test");
        // With both val/ and test/, val/ is the validation split; a lone val/ is the test split, as in
        // the official code's ImageNet-LT layout.
        bool hasVal = Directory.Exists(valDir), hasTest = Directory.Exists(testDir);
        if (!hasVal && !hasTest)
            throw new LivtException($"{root}: ImageFolder test split not found (expected a 'val' or 'test' folder beside 'train')");
        var train = ImageFolder.Read(trainDir);
        var test = ImageFolder.Read(hasTest ? testDir : valDir, train.ClassNames, requireEveryClass: false);
        var val = hasVal && hasTest ? ImageFolder.Read(valDir, train.ClassNames, requireEveryClass: false) : null;
        return new DatasetSplits(train, test, $"imagefolder ({Path.GetFileName(Path.TrimEndingDirectorySeparator(root))})", val);
    }

    private static DatasetSplits LoadList(DatasetOptions options)
    {
        string root = options.DataDir
            ?? throw new LivtException("dataset 'list' needs --data-dir: the root folder the list's image paths are relative to");
        string trainList = options.TrainList
            ?? throw new LivtException("dataset 'list' needs --train-list, a training list file (e.g. ImageNet_LT_train.txt)");
        string testList = options.TestList
            ?? throw new LivtException("dataset 'list' needs --test-list, a test list file (e.g. ImageNet_LT_test.txt)");
        var (train, test, val) = ListFile.Read(FindList(trainList, root, "--train-list"), FindList(testList, root, "--test-list"),
            options.ValList is null ? null : FindList(options.ValList, root, "--val-list"), root);
        return new DatasetSplits(train, test, $"list ({Path.GetFileNameWithoutExtension(trainList)})", val);
    }

    /// <summary>A list file as given (absolute, or relative to the current folder), else under the data root.</summary>
    private static string FindList(string list, string root, string flag)
    {
        if (File.Exists(list)) return list;
        string underRoot = Path.Combine(root, list);
        if (File.Exists(underRoot)) return underRoot;
        throw new LivtException($"{flag} {list}: list file not found (looked for {Path.GetFullPath(list)} and {Path.GetFullPath(underRoot)})");
    }
}

namespace Livt.Data;

/// <summary>
/// A balanced benchmark Livt can find or fetch on its own: the files that make it up, the
/// sub-folder they conventionally live in, and where to download them from.
/// </summary>
internal sealed record BuiltInDataset(
    string Name,
    string[] SubFolders,
    string[] RequiredFiles,
    string? ArchiveUrl,
    string? ArchiveMd5,
    (string File, string Url, string Md5)[] FileDownloads,
    string? AptPackage)
{
    /// <summary>Fashion-MNIST: four gzipped IDX files (MD5s as torchvision's FashionMNIST lists them).</summary>
    public static BuiltInDataset FashionMnist { get; } = new(
        "fashion-mnist", ["fashion-mnist", "FashionMNIST/raw", "FashionMNIST"],
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
        null, null,
        [
            ("train-images-idx3-ubyte.gz", FashionMnistMirror + "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", FashionMnistMirror + "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", FashionMnistMirror + "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", FashionMnistMirror + "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ],
        "dataset-fashion-mnist");

    /// <summary>CIFAR-10, binary version (MD5 as published on the CIFAR page).</summary>
    public static BuiltInDataset Cifar10 { get; } = new(
        "cifar-10", ["cifar-10-batches-bin", "cifar-10", "cifar10"],
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
        "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", [],
        null);

    /// <summary>CIFAR-100, binary version (MD5 as published on the CIFAR page).</summary>
    public static BuiltInDataset Cifar100 { get; } = new(
        "cifar-100", ["cifar-100-binary", "cifar-100", "cifar100"],
        ["train.bin", "test.bin"],
        "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8", [],
        null);

    private const string FashionMnistMirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

    /// <summary>
    /// The folder holding every required file.
    /// (There is no system package for CIFAR, so its message points at the archive instead.) With <paramref name="dataDir"/> only that folder (and
    /// its conventional sub-folders) is searched and a download goes there; otherwise
    /// <c>$LIVT_DATA</c>, <c>/usr/share/datasets</c> and the cache are, and a download goes to the cache.
    /// </summary>
    public string Locate(string? dataDir, bool allowDownload)
    {
        var roots = new List<string>();
        if (dataDir is not null) roots.Add(dataDir);
        else
        {
            if (Environment.GetEnvironmentVariable("LIVT_DATA") is { Length: > 0 } env) roots.Add(env);
            roots.Add("/usr/share/datasets");
            roots.Add(DataFiles.CacheDirectory(Name));
        }
        var searched = roots.SelectMany(r => SubFolders.Select(s => Path.Combine(r, s)).Prepend(r)).ToList();
        foreach (string dir in searched)
            if (RequiredFiles.All(f => FindFile(dir, f) is not null)) return dir;

        string target = dataDir ?? DataFiles.CacheDirectory(Name);
        string install = AptPackage is not null
            ? $"apt-get install {AptPackage}"
            : $"download and extract {ArchiveUrl}";
        string help = $"{install}, or pass --data-dir pointing to a folder with " +
            $"{string.Join(", ", RequiredFiles)}. Searched: {string.Join(", ", searched)}";
        if (!allowDownload) throw new LivtException($"{Name} not found and downloading is off: {help}");
        try
        {
            return Download(target);
        }
        catch (Exception e) when (e is LivtException or IOException or UnauthorizedAccessException)
        {
            throw new LivtException($"{Name} not found locally and the download failed ({e.Message}): {help}", e);
        }
    }

    /// <summary>The path of <paramref name="file"/> in <paramref name="dir"/>, gzipped or not, or null.</summary>
    public static string? FindFile(string dir, string file)
    {
        foreach (string candidate in new[] { file, file + ".gz" })
        {
            string path = Path.Combine(dir, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private string Download(string target)
    {
        Directory.CreateDirectory(target);
        foreach (var (file, url, md5) in FileDownloads)
        {
            string path = Path.Combine(target, file);
            if (!File.Exists(path)) DataFiles.Download(url, path, md5);
        }
        if (ArchiveUrl is not null)
        {
            string archive = Path.Combine(target, Path.GetFileName(new Uri(ArchiveUrl).LocalPath));
            if (!File.Exists(archive)) DataFiles.Download(ArchiveUrl, archive, ArchiveMd5!);
            DataFiles.ExtractTarGz(archive, target);
        }
        foreach (string dir in SubFolders.Select(s => Path.Combine(target, s)).Prepend(target))
            if (RequiredFiles.All(f => FindFile(dir, f) is not null)) return dir;
        throw new LivtException($"{target}: the downloaded {Name} files are not where expected");
    }
}

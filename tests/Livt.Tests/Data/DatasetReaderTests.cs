using Livt.Data;

namespace Livt.Tests.Data;

public class DatasetReaderTests
{
    private static readonly byte[] TwoImages = Enumerable.Range(0, 2 * 3 * 2).Select(i => (byte)(i * 20)).ToArray();

    private static (string Images, string Labels) WriteTinyIdx(TempDir dir, bool gzip, byte[]? labels = null)
    {
        string images = dir.File("imgs-idx3-ubyte" + (gzip ? ".gz" : ""));
        string labelFile = dir.File("labels-idx1-ubyte" + (gzip ? ".gz" : ""));
        DataFixtures.WriteIdx(images, [2, 3, 2], TwoImages, gzip);
        DataFixtures.WriteIdx(labelFile, [2], labels ?? [1, 0], gzip);
        return (images, labelFile);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxReadsRawAndGzipped(bool gzip)
    {
        using var dir = new TempDir();
        var (images, labels) = WriteTinyIdx(dir, gzip);
        var d = IdxFile.ReadDataset(images, labels, ["a", "b"]);
        Assert.Equal(2, d.Count);
        Assert.Equal(1, d.GetLabel(0));
        var second = d.GetImage(1);
        Assert.Equal((1, 3, 2), (second.Channels, second.Height, second.Width));
        Assert.Equal(TwoImages[6..].Select(b => b / 255f), second.Pixels);
        Assert.EndsWith("#1", d.Describe(1));
    }

    [Fact]
    public void IdxBadMagicIsNamed()
    {
        using var dir = new TempDir();
        string path = dir.File("bad-idx3-ubyte");
        DataFixtures.WriteIdx(path, [2, 3, 2], TwoImages, magicType: 0x0D);
        var e = Assert.Throws<LivtException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void IdxSizeMismatchIsNamed()
    {
        using var dir = new TempDir();
        string path = dir.File("short-idx3-ubyte");
        DataFixtures.WriteIdx(path, [3, 3, 2], TwoImages);
        var e = Assert.Throws<LivtException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("size mismatch", e.Message);
    }

    [Fact]
    public void IdxLabelOutOfRangeIsNamed()
    {
        using var dir = new TempDir();
        var (images, labels) = WriteTinyIdx(dir, gzip: false, labels: [0, 7]);
        var e = Assert.Throws<LivtException>(() => IdxFile.ReadDataset(images, labels, ["a", "b"]));
        Assert.Contains(labels, e.Message);
        Assert.Contains("label 7 is outside [0, 2)", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var dir = new TempDir();
        string path = dir.File("absent.bin");
        var e = Assert.Throws<LivtException>(() => CifarBinary.Read([path], 1, CifarBinary.Cifar10Classes));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void CifarReadsPlanarRgbAndFineLabels()
    {
        using var dir = new TempDir();
        string c10a = dir.File("data_batch_1.bin"), c10b = dir.File("data_batch_2.bin"), c100 = dir.File("train.bin");
        DataFixtures.WriteCifar(c10a, [[3], [9]]);
        DataFixtures.WriteCifar(c10b, [[0]]);
        DataFixtures.WriteCifar(c100, [[4, 57], [19, 99]]);

        var ten = CifarBinary.Read([c10a, c10b], 1, CifarBinary.Cifar10Classes);
        Assert.Equal(new[] { 3, 9, 0 }, Enumerable.Range(0, 3).Select(ten.GetLabel));
        Assert.Equal("data_batch_2.bin #0", ten.Describe(2));
        var image = ten.GetImage(1);
        Assert.Equal((3, 32, 32), (image.Channels, image.Height, image.Width));
        Assert.Equal(((1 * 7 + 1024 + 32 * 2 + 5) % 256) / 255f, image[1, 2, 5]);

        var hundred = CifarBinary.Read([c100], 2, CifarBinary.Cifar100Classes);
        Assert.Equal(100, CifarBinary.Cifar100Classes.Count);
        Assert.Equal(100, CifarBinary.Cifar100Classes.Distinct().Count());
        Assert.Equal(new[] { 57, 99 }, new[] { hundred.GetLabel(0), hundred.GetLabel(1) });
        Assert.Equal("pear", hundred.ClassNames[57]);
    }

    [Fact]
    public void CifarTruncatedRecordIsNamed()
    {
        using var dir = new TempDir();
        string path = dir.File("test_batch.bin");
        DataFixtures.WriteCifar(path, [[1], [2]]);
        using (var f = File.OpenWrite(path)) f.SetLength(2 * 3073 - 100);
        var e = Assert.Throws<LivtException>(() => CifarBinary.Read([path], 1, CifarBinary.Cifar10Classes));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated CIFAR record #1", e.Message);
    }

    [Fact]
    public void CifarLabelOutOfRangeIsNamed()
    {
        using var dir = new TempDir();
        string path = dir.File("data_batch_1.bin");
        DataFixtures.WriteCifar(path, [[1], [12]]);
        var e = Assert.Throws<LivtException>(() => CifarBinary.Read([path], 1, CifarBinary.Cifar10Classes));
        Assert.Contains(path, e.Message);
        Assert.Contains("record #1 has label 12", e.Message);
    }

    [Fact]
    public void PngDecodesToRgbAndGray()
    {
        using var dir = new TempDir();
        string path = dir.File("a.png");
        DataFixtures.WritePng(path, 5, 3, 200);
        byte[] bytes = File.ReadAllBytes(path);
        var rgb = ImageDecoder.Decode(bytes, 3, path);
        Assert.Equal((3, 3, 5), (rgb.Channels, rgb.Height, rgb.Width));
        Assert.Equal(40 / 255f, rgb[0, 1, 4]);
        Assert.Equal(20 / 255f, rgb[1, 1, 4]);
        Assert.Equal(200 / 255f, rgb[2, 1, 4]);
        var gray = ImageDecoder.Decode(bytes, 1, path);
        Assert.Equal((40 * 0.299f + 20 * 0.587f + 200 * 0.114f) / 255f, gray[0, 1, 4], 1e-5f);
    }

    [Theory]
    [InlineData(SkiaSharp.SKEncodedImageFormat.Jpeg)]
    [InlineData(SkiaSharp.SKEncodedImageFormat.Webp)]
    public void JpegAndWebpDecode(SkiaSharp.SKEncodedImageFormat format)
    {
        using var bitmap = new SkiaSharp.SKBitmap(16, 8);
        bitmap.Erase(new SkiaSharp.SKColor(200, 100, 50));
        using var encoded = bitmap.Encode(format, 95);
        var image = ImageDecoder.Decode(encoded.ToArray(), 3, format.ToString());
        Assert.Equal((3, 8, 16), (image.Channels, image.Height, image.Width));
        Assert.Equal(200 / 255f, image[0, 4, 8], 0.03f);
        Assert.Equal(100 / 255f, image[1, 4, 8], 0.03f);
        Assert.Equal(50 / 255f, image[2, 4, 8], 0.03f);
    }

    [Fact]
    public void UndecodableAndTruncatedImagesAreNamed()
    {
        using var dir = new TempDir();
        string path = dir.File("a.png");
        DataFixtures.WritePng(path, 64, 64, 9);
        byte[] bytes = File.ReadAllBytes(path);
        var garbage = Assert.Throws<CorruptImageException>(() => ImageDecoder.Decode([1, 2, 3, 4, 5], 3, "junk.png"));
        Assert.Contains("junk.png", garbage.Message);
        var truncated = Assert.Throws<CorruptImageException>(() => ImageDecoder.Decode(bytes[..(bytes.Length / 2)], 3, "half.png"));
        Assert.Contains("half.png", truncated.Message);
        Assert.Contains("truncated", truncated.Message);
    }

    private static string WriteImageFolder(TempDir dir)
    {
        DataFixtures.WritePng(dir.File("set/train/cat/1.png"), 4, 4, 1);
        DataFixtures.WritePng(dir.File("set/train/cat/sub/2.png"), 4, 4, 2);
        DataFixtures.WritePng(dir.File("set/train/ant/1.png"), 4, 4, 3);
        File.WriteAllText(dir.File("set/train/ant/notes.txt"), "not an image");
        DataFixtures.WritePng(dir.File("set/val/cat/9.png"), 4, 4, 4);
        return Path.Combine(dir.Path, "set");
    }

    [Fact]
    public void ImageFolderLoadsSortedClassesAndRealPngs()
    {
        using var dir = new TempDir();
        string root = WriteImageFolder(dir);
        var splits = DatasetCatalog.Load(new DatasetOptions { Name = "imagefolder", DataDir = root });
        Assert.Equal(new[] { "ant", "cat" }, splits.Train.ClassNames);
        Assert.Equal(3, splits.Train.Count);
        Assert.Equal(new[] { 0, 1, 1 }, Enumerable.Range(0, 3).Select(splits.Train.GetLabel));
        Assert.Equal(1, splits.Test.Count);
        Assert.Equal(1, splits.Test.GetLabel(0));
        var image = splits.Test.GetImage(0);
        Assert.Equal(4 / 255f, image[2, 0, 0]);
    }

    [Fact]
    public void ImageFolderClassWithoutImagesIsNamed()
    {
        using var dir = new TempDir();
        string root = WriteImageFolder(dir);
        Directory.CreateDirectory(Path.Combine(root, "train", "dog"));
        var e = Assert.Throws<LivtException>(() => DatasetCatalog.Load(new DatasetOptions { Name = "imagefolder", DataDir = root }));
        Assert.Contains("'dog' has no images", e.Message);
        Assert.Contains(Path.Combine(root, "train", "dog"), e.Message);
    }

    [Fact]
    public void FileBenchmarksReadTheOfficialLayoutsUnderTheirOfficialNames()
    {
        using var dir = new TempDir();
        string root = WriteImageFolder(dir);
        var folder = DatasetCatalog.Load(new DatasetOptions { Name = "ImageNet-LT", DataDir = root });
        Assert.StartsWith("ImageNet-LT (imagefolder", folder.Name);
        Assert.Equal(3, folder.Train.Count);

        // The list files it ships, found by their usual names; the validation list when it is there.
        DataFixtures.WritePng(dir.File("lists/img/a.png"), 3, 2, 10);
        DataFixtures.WritePng(dir.File("lists/img/b.png"), 3, 2, 20);
        File.WriteAllText(dir.File("lists/Places_LT_train.txt"), "img/a.png 0\nimg/b.png 1\n");
        File.WriteAllText(dir.File("lists/Places_LT_test.txt"), "img/b.png 1\n");
        var lists = DatasetCatalog.Load(new DatasetOptions { Name = "places_lt", DataDir = dir.File("lists") });
        Assert.Equal((2, 1, null), (lists.Train.Count, lists.Test.Count, lists.Validation));
        File.WriteAllText(dir.File("lists/Places_LT_val.txt"), "img/a.png 0\n");
        Assert.NotNull(DatasetCatalog.Load(new DatasetOptions { Name = "Places-LT", DataDir = dir.File("lists") }).Validation);

        var e = Assert.Throws<LivtException>(() => DatasetCatalog.Load(new DatasetOptions { Name = "iNat18", DataDir = dir.File("lists") }));
        Assert.Contains("iNaturalist18_train.txt", e.Message);
        var (mean, _) = Normalization.For("imagenet-lt", folder.Train);
        Assert.Equal(0.479672f, mean[0]);
    }

    private static string WriteListSet(TempDir dir, string trainLines, string testLines)
    {
        DataFixtures.WritePng(dir.File("lt/train/n01/a.png"), 3, 2, 10);
        DataFixtures.WritePng(dir.File("lt/train/n02/b.png"), 3, 2, 20);
        DataFixtures.WritePng(dir.File("lt/val/x.png"), 3, 2, 30);
        File.WriteAllText(dir.File("lt/train.txt"), trainLines);
        File.WriteAllText(dir.File("lt/test.txt"), testLines);
        return Path.Combine(dir.Path, "lt");
    }

    private static DatasetOptions ListOptions(string root) =>
        new() { Name = "list", DataDir = root, TrainList = "train.txt", TestList = "test.txt" };

    [Fact]
    public void ListDatasetLoadsRealPngs()
    {
        using var dir = new TempDir();
        string root = WriteListSet(dir, "train/n01/a.png 0\n\ntrain/n02/b.png 1\n", "val/x.png 1\n");
        var splits = DatasetCatalog.Load(ListOptions(root));
        Assert.Equal(new[] { "n01", "n02" }, splits.Train.ClassNames);
        Assert.Equal(2, splits.Train.Count);
        Assert.Equal(20 / 255f, splits.Train.GetImage(1)[2, 1, 2]);
        Assert.Equal(30 / 255f, splits.Test.GetImage(0)[2, 0, 0]);
        Assert.Contains("train.txt line 3", splits.Train.Describe(1));
    }

    [Fact]
    public void ListLineThatDoesNotParseIsNamedWithItsLine()
    {
        using var dir = new TempDir();
        string root = WriteListSet(dir, "train/n01/a.png 0\ntrain/n02/b.png one\n", "val/x.png 1\n");
        var e = Assert.Throws<LivtException>(() => DatasetCatalog.Load(ListOptions(root)));
        Assert.Contains("train.txt line 2", e.Message);
    }

    [Fact]
    public void ListTestLabelOutsideTheClassesIsNamed()
    {
        using var dir = new TempDir();
        string root = WriteListSet(dir, "train/n01/a.png 0\ntrain/n02/b.png 1\n", "val/x.png 5\n");
        var e = Assert.Throws<LivtException>(() => DatasetCatalog.Load(ListOptions(root)));
        Assert.Contains("test.txt line 1", e.Message);
        Assert.Contains("outside [0, 2)", e.Message);
    }

    [Fact]
    public void ListClassWithNoImagesIsNamed()
    {
        using var dir = new TempDir();
        string root = WriteListSet(dir, "train/n01/a.png 0\ntrain/n02/b.png 2\n", "val/x.png 1\n");
        var e = Assert.Throws<LivtException>(() => DatasetCatalog.Load(ListOptions(root)));
        Assert.Contains("class 1 has no images", e.Message);
    }

    [Fact]
    public void ListMissingImageIsNamedWhenRead()
    {
        using var dir = new TempDir();
        string root = WriteListSet(dir, "train/n01/a.png 0\ntrain/n02/gone.png 1\n", "val/x.png 1\n");
        var splits = DatasetCatalog.Load(ListOptions(root));
        var e = Assert.Throws<CorruptImageException>(() => splits.Train.GetImage(1));
        Assert.Contains("gone.png", e.Message);
        Assert.Contains("train.txt line 2", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void UnknownDatasetNameListsTheChoices()
    {
        var e = Assert.Throws<LivtException>(() => DatasetCatalog.Load(new DatasetOptions { Name = "mnist-lt" }));
        Assert.Contains("mnist-lt", e.Message);
        Assert.Contains("fashion-mnist-lt", e.Message);
    }

    [Fact]
    public void MissingBuiltInDataSaysHowToInstallIt()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<LivtException>(() =>
            DatasetCatalog.Load(new DatasetOptions { DataDir = dir.Path, AllowDownload = false }));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data-dir", e.Message);
        Assert.Contains(dir.Path, e.Message);
        var cifar = Assert.Throws<LivtException>(() =>
            DatasetCatalog.Load(new DatasetOptions { Name = "cifar100-lt", DataDir = dir.Path, AllowDownload = false }));
        Assert.Contains("cifar-100-binary.tar.gz", cifar.Message);
    }

    [Fact]
    public void CifarLtLoadsFromADataDir()
    {
        using var dir = new TempDir();
        var labels = Enumerable.Range(0, 40).Select(i => new[] { i % 10 }).ToArray();
        for (int b = 1; b <= 5; b++) DataFixtures.WriteCifar(dir.File($"cifar-10-batches-bin/data_batch_{b}.bin"), labels);
        DataFixtures.WriteCifar(dir.File("cifar-10-batches-bin/test_batch.bin"), labels);
        var splits = DatasetCatalog.Load(new DatasetOptions { Name = "cifar10-lt", DataDir = dir.Path, Imbalance = 10, AllowDownload = false });
        Assert.Equal(LongTail.Counts(20, 10, 10, LongTailProfile.Exp).Select(n => (long)n), DatasetStats.ClassCounts(splits.Train));
        Assert.Equal(40, splits.Test.Count);
        Assert.Equal("airplane", splits.Test.ClassNames[0]);
    }
}

using Livt.Data;
using SkiaSharp;

/// <summary>
/// Writes a small long-tailed ImageFolder of real Fashion-MNIST images: train/&lt;class&gt;/*.png with
/// one twentieth of each class of Fashion-MNIST-LT (IF 100: 300 T-shirts down to 3 ankle boots, so all
/// three shot groups occur) and val/&lt;class&gt;/*.png with 30 test images per class.
/// </summary>
static class SampleImageFolder
{
    public static void Write(string root)
    {
        // Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist) or $LIVT_DATA.
        var splits = DatasetCatalog.Load(new DatasetOptions { Name = "fashion-mnist-lt", Imbalance = 100, AllowDownload = false });
        int written = WriteSplit(splits.Train, Path.Combine(root, "train"), count => count / 20)
                      + WriteSplit(splits.Test, Path.Combine(root, "val"), _ => 30);
        Console.WriteLine($"{root}: {written} PNG files");
    }

    private static int WriteSplit(IImageDataset split, string dir, Func<int, int> keep)
    {
        var byClass = Enumerable.Range(0, split.Count).GroupBy(split.GetLabel).ToDictionary(g => g.Key, g => g.ToList());
        int written = 0;
        foreach (var (label, indices) in byClass)
        {
            var classDir = Path.Combine(dir, split.ClassNames[label].Replace('/', '-'));
            Directory.CreateDirectory(classDir);
            foreach (var i in indices.Take(keep(indices.Count)))
            {
                WritePng(split.GetImage(i), Path.Combine(classDir, $"{i}.png"));
                written++;
            }
        }
        return written;
    }

    private static void WritePng(Livt.Augmentation.Image image, string path)
    {
        using var bitmap = new SKBitmap(image.Width, image.Height);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                byte v = (byte)Math.Round(image[0, y, x] * 255);
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }
}

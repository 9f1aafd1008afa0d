using Livt.Data;

namespace Livt.Tests.Data;

/// <summary>A real slice of Fashion-MNIST as IDX files: the first images of each class of the training and
/// test files, so a run's <c>--data-dir</c> loads them as fashion-mnist-lt in seconds.</summary>
internal static class FashionSlice
{
    /// <summary>Writes the first <paramref name="train"/> training and <paramref name="test"/> test images of
    /// each class into <paramref name="dir"/>.</summary>
    public static void Write(string dir, int train, int test)
    {
        Directory.CreateDirectory(dir);
        WriteSplit(dir, "train", train);
        WriteSplit(dir, "t10k", test);
    }

    private static void WriteSplit(string dir, string split, int perClass)
    {
        var (dims, images) = IdxFile.Read(Path.Combine(DataFixtures.FashionMnistDir, $"{split}-images-idx3-ubyte.gz"));
        var (_, labels) = IdxFile.Read(Path.Combine(DataFixtures.FashionMnistDir, $"{split}-labels-idx1-ubyte.gz"));
        int pixels = dims[1] * dims[2];
        var taken = new int[10];
        var keep = new List<int>();
        for (int i = 0; i < labels.Length && keep.Count < 10 * perClass; i++)
            if (taken[labels[i]]++ < perClass) keep.Add(i);
        var outImages = new byte[keep.Count * pixels];
        var outLabels = new byte[keep.Count];
        for (int k = 0; k < keep.Count; k++)
        {
            images.AsSpan(keep[k] * pixels, pixels).CopyTo(outImages.AsSpan(k * pixels));
            outLabels[k] = labels[keep[k]];
        }
        DataFixtures.WriteIdx(Path.Combine(dir, $"{split}-images-idx3-ubyte"), [keep.Count, dims[1], dims[2]], outImages, magicType: 0x08);
        DataFixtures.WriteIdx(Path.Combine(dir, $"{split}-labels-idx1-ubyte"), [keep.Count], outLabels, magicType: 0x08);
    }
}

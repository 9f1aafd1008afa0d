namespace Livt.Data;

/// <summary>
/// Reader for the binary ("suitable for C programs") CIFAR files: fixed-size records of label
/// byte(s) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32×32).
/// CIFAR-10 has one label byte; CIFAR-100 has a coarse then a fine label byte, and the fine one is used.
/// </summary>
public static class CifarBinary
{
    private const int Side = 32;
    private const int PixelBytes = 3 * Side * Side;

    /// <summary>CIFAR-10's class names, by label.</summary>
    public static IReadOnlyList<string> Cifar10Classes { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>CIFAR-100's fine class names, by label.</summary>
    public static IReadOnlyList<string> Cifar100Classes { get; } =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    /// <summary>Reads and concatenates CIFAR binary files.</summary>
    /// <param name="files">The files, concatenated in this order.</param>
    /// <param name="labelBytes">1 for CIFAR-10, 2 for CIFAR-100 (coarse, fine).</param>
    /// <param name="classNames">Class names; labels must lie in [0, count).</param>
    public static InMemoryImageDataset Read(IReadOnlyList<string> files, int labelBytes, IReadOnlyList<string> classNames)
    {
        int record = labelBytes + PixelBytes;
        var contents = new List<byte[]>(files.Count);
        long total = 0;
        foreach (string file in files)
        {
            byte[] bytes = DataFiles.ReadAllBytes(file);
            if (bytes.Length % record != 0)
                throw new LivtException($"{file}: truncated CIFAR record #{bytes.Length / record} " +
                    $"({bytes.Length} bytes is not a whole number of {record}-byte records)");
            contents.Add(bytes);
            total += bytes.Length / record;
        }
        var pixels = new byte[total * PixelBytes];
        var labels = new int[total];
        var starts = new int[files.Count];
        int n = 0;
        for (int f = 0; f < files.Count; f++)
        {
            starts[f] = n;
            byte[] bytes = contents[f];
            for (int offset = 0; offset < bytes.Length; offset += record, n++)
            {
                int label = bytes[offset + labelBytes - 1];
                if (label >= classNames.Count)
                    throw new LivtException($"{files[f]}: record #{offset / record} has label {label}, outside [0, {classNames.Count})");
                labels[n] = label;
                Buffer.BlockCopy(bytes, offset + labelBytes, pixels, n * PixelBytes, PixelBytes);
            }
        }
        string[] names = files.Select(Path.GetFileName).ToArray()!;
        return new InMemoryImageDataset(pixels, labels, 3, Side, Side, classNames, i =>
        {
            int f = starts.Length - 1;
            while (starts[f] > i) f--; // the last file starting at or before i skips empty files
            return $"{names[f]} #{i - starts[f]}";
        });
    }
}

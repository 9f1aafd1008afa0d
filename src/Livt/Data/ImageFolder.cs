namespace Livt.Data;

/// <summary>
/// The ImageFolder layout: <c>split/&lt;class&gt;/…/&lt;image&gt;</c>, classes sorted by folder name
/// (ordinal), images found recursively by extension.
/// </summary>
public static class ImageFolder
{
    private static readonly HashSet<string> Extensions =
        new([".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The class folders of <paramref name="splitDirectory"/>, sorted.</summary>
    public static string[] ClassesOf(string splitDirectory)
    {
        if (!Directory.Exists(splitDirectory))
            throw new LivtException($"{splitDirectory}: ImageFolder split folder not found (expected <root>/train/<class>/<image>)");
        var classes = Directory.GetDirectories(splitDirectory).Select(Path.GetFileName).Select(n => n!).ToArray();
        Array.Sort(classes, StringComparer.Ordinal);
        if (classes.Length == 0) throw new LivtException($"{splitDirectory}: no class folders found");
        return classes;
    }

    /// <summary>
    /// Reads one split. <paramref name="classes"/> fixes the label order (pass the training split's
    /// classes when reading the validation split); every folder must be one of them. With
    /// <paramref name="requireEveryClass"/> a class folder without images is an error.
    /// </summary>
    public static FileImageDataset Read(string splitDirectory, IReadOnlyList<string>? classes = null, bool requireEveryClass = true)
    {
        var folders = ClassesOf(splitDirectory);
        classes ??= folders;
        var labelOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < classes.Count; c++) labelOf[classes[c]] = c;
        var paths = new List<string>();
        var labels = new List<int>();
        foreach (string folder in folders)
        {
            if (!labelOf.TryGetValue(folder, out int label))
                throw new LivtException($"{Path.Combine(splitDirectory, folder)}: class '{folder}' is not among the training classes");
            var images = Directory.EnumerateFiles(Path.Combine(splitDirectory, folder), "*", SearchOption.AllDirectories)
                .Where(p => Extensions.Contains(Path.GetExtension(p))).ToArray();
            Array.Sort(images, StringComparer.Ordinal);
            if (images.Length == 0 && requireEveryClass)
                throw new LivtException($"{Path.Combine(splitDirectory, folder)}: class '{folder}' has no images " +
                    $"({string.Join(", ", Extensions)})");
            paths.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Length));
        }
        if (requireEveryClass && classes.Except(folders).FirstOrDefault() is { } absent)
            throw new LivtException($"{splitDirectory}: class '{absent}' has no folder, so no images");
        return new FileImageDataset(paths.ToArray(), labels.ToArray(), classes);
    }
}

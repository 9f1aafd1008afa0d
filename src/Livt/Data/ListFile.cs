using System.Globalization;

namespace Livt.Data;

/// <summary>
/// Split files of <c>relative/path label</c> lines, the convention of ImageNet-LT, iNaturalist 2018
/// and Places-LT (e.g. <c>ImageNet_LT_train.txt</c>); paths are relative to a root folder. Blank
/// lines are ignored; the label is the last whitespace-separated field, so paths may contain spaces.
/// </summary>
public static class ListFile
{
    /// <summary>One parsed split: paths (rooted), labels, and the 1-based line of each entry.</summary>
    public sealed record Entries(string ListPath, string[] Paths, int[] Labels, int[] Lines)
    {
        /// <summary>"file.txt line N" for each entry.</summary>
        public string[] Origins()
        {
            string name = Path.GetFileName(ListPath);
            return Lines.Select(n => $"{name} line {n}").ToArray();
        }
    }

    /// <summary>Parses <paramref name="listPath"/>, resolving image paths against <paramref name="root"/>.</summary>
    public static Entries Parse(string listPath, string root)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(listPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LivtException($"{listPath}: list file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LivtException($"{listPath}: cannot be read ({e.Message})", e);
        }
        var paths = new List<string>(lines.Length);
        var labels = new List<int>(lines.Length);
        var lineNumbers = new List<int>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0) continue;
            int split = line.LastIndexOfAny([' ', '\t']);
            if (split <= 0 || !int.TryParse(line.AsSpan(split + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int label))
                throw new LivtException($"{listPath} line {i + 1}: expected 'relative/path label', found '{lines[i]}'");
            if (label < 0)
                throw new LivtException($"{listPath} line {i + 1}: label {label} is negative");
            if (line.AsSpan(0, split).IndexOf('\0') >= 0)
                throw new LivtException($"{listPath} line {i + 1}: the path contains a NUL character");
            paths.Add(Path.Combine(root, line[..split].TrimEnd()));
            labels.Add(label);
            lineNumbers.Add(i + 1);
        }
        if (paths.Count == 0) throw new LivtException($"{listPath}: no entries");
        return new Entries(listPath, paths.ToArray(), labels.ToArray(), lineNumbers.ToArray());
    }

    /// <summary>
    /// Builds train and test datasets from two list files. C = 1 + the largest training label; every
    /// class in [0, C) needs a training image, and test labels must lie in [0, C). A class is named
    /// after the folder its training images share (ImageNet's wnids), else by its number.
    /// </summary>
    public static (FileImageDataset Train, FileImageDataset Test) Read(string trainList, string testList, string root)
    {
        var (train, test, _) = Read(trainList, testList, null, root);
        return (train, test);
    }

    /// <summary>As <see cref="Read(string, string, string)"/>, with an optional validation list whose
    /// labels must lie in the training list's classes, like the test list's.</summary>
    public static (FileImageDataset Train, FileImageDataset Test, FileImageDataset? Validation) Read(string trainList, string testList, string? valList,
        string root)
    {
        var train = Parse(trainList, root);
        var test = Parse(testList, root);
        var val = valList is null ? null : Parse(valList, root);
        // Every class needs a training image; the first class without one is found before the label
        // count sizes anything, so a huge label is this error rather than a huge allocation.
        int maxLabel = train.Labels.Max();
        var present = train.Labels.ToHashSet();
        for (int c = 0; c <= maxLabel; c++)
            if (!present.Contains(c))
                throw new LivtException($"{trainList}: class {c} has no images (labels must cover 0..{maxLabel})");
        int numClasses = maxLabel + 1;
        foreach (var split in val is null ? [test] : new[] { test, val })
            for (int i = 0; i < split.Labels.Length; i++)
                if (split.Labels[i] >= numClasses)
                    throw new LivtException($"{split.ListPath} line {split.Lines[i]}: " +
                        $"label {split.Labels[i]} is outside [0, {numClasses}) (the training list has {numClasses} classes)");
        var names = ClassNames(train, numClasses);
        return (new FileImageDataset(train.Paths, train.Labels, names, train.Origins()),
                new FileImageDataset(test.Paths, test.Labels, names, test.Origins()),
                val is null ? null : new FileImageDataset(val.Paths, val.Labels, names, val.Origins()));
    }

    private static string[] ClassNames(Entries train, int numClasses)
    {
        var folder = new string?[numClasses];
        var shared = new bool[numClasses];
        Array.Fill(shared, true);
        for (int i = 0; i < train.Paths.Length; i++)
        {
            int c = train.Labels[i];
            string parent = Path.GetFileName(Path.GetDirectoryName(train.Paths[i])) ?? "";
            if (folder[c] is null) folder[c] = parent;
            else if (folder[c] != parent) shared[c] = false;
        }
        var names = new string[numClasses];
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (int c = 0; c < numClasses; c++)
            names[c] = shared[c] && !string.IsNullOrEmpty(folder[c]) && distinct.Add(folder[c]!)
                ? folder[c]! : c.ToString(CultureInfo.InvariantCulture);
        return names;
    }
}

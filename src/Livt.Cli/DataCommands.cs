using System.CommandLine;
using Livt.Data;
using Livt.Evaluation;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt data stats|indices</c>.</summary>
internal static class DataCommands
{
    public static Command Data()
    {
        var dataset = new Option<string>("--dataset") { DefaultValueFactory = _ => "fashion-mnist-lt",
            Description = "fashion-mnist-lt | cifar10-lt | cifar100-lt | imagefolder | list" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset root" };
        var imbalance = new Option<double>("--imbalance") { DefaultValueFactory = _ => 100, Description = "Imbalance factor for the *-lt datasets" };
        var profile = new Option<string>("--profile") { DefaultValueFactory = _ => "exp", Description = "exp | step" };
        var ltSplit = new Option<string?>("--lt-split") { Description = "ldam | cui | livt: which images of each class the *-lt datasets keep (default: ldam " +
            "for CIFAR-LT, livt for Fashion-MNIST-LT)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the long-tail subset" };
        var trainList = new Option<string?>("--train-list") { Description = "List file (--dataset list)" };
        var testList = new Option<string?>("--test-list") { Description = "List file of the test split (--dataset list)" };
        var many = new Option<int>("--many-threshold") { DefaultValueFactory = _ => 100, Description = "Many-shot: more training images than this" };
        var few = new Option<int>("--few-threshold") { DefaultValueFactory = _ => 20, Description = "Few-shot: fewer training images than this" };
        var outDir = new Option<string>("--out") { DefaultValueFactory = _ => ".", Description = "Folder for class_histogram.png" };
        var stats = new Command("stats", "Per-class training counts, prior and shot group as a table; writes class_histogram.png (log scale).")
        {
            dataset, dataDir, imbalance, profile, ltSplit, seed, trainList, testList, many, few, outDir,
        };
        DatasetSplits Load(ParseResult parse) => DatasetCatalog.Load(new DatasetOptions
        {
            Name = parse.GetValue(dataset)!, DataDir = parse.GetValue(dataDir), Imbalance = parse.GetValue(imbalance),
            Profile = parse.GetValue(profile) == "step" ? LongTailProfile.Step : LongTailProfile.Exp,
            Split = parse.GetValue(ltSplit) is { } split
                ? Enum.TryParse<LongTailSplit>(split, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s
                    : throw new LivtException($"--lt-split {split}: choose ldam, cui or livt")
                : null,
            Seed = parse.GetValue(seed), TrainList = parse.GetValue(trainList), TestList = parse.GetValue(testList),
        });
        stats.SetAction(parse => Stats(Load(parse), new ShotThresholds(parse.GetValue(many), parse.GetValue(few)), parse.GetValue(outDir)!));
        // The GPU kit ships only the images a seed's long-tailed subset uses (bench/gpu/make-kit.sh).
        var indices = new Command("indices", "Print the position in the source files of every training image the dataset selects " +
                                             "(for a long-tailed subset, the images it keeps), one per line.")
        {
            dataset, dataDir, imbalance, profile, ltSplit, seed, trainList, testList,
        };
        indices.SetAction(parse =>
        {
            var train = Load(parse).Train;
            var positions = train is SubsetDataset subset ? subset.SourceIndices : Enumerable.Range(0, train.Count).ToArray();
            Console.Out.Write(string.Concat(positions.Select(i => $"{i}\n")));
            return 0;
        });
        return new Command("data", "Dataset tools.") { stats, indices };
    }

    /// <summary><c>livt data stats</c>: the per-class table, the imbalance and group sizes, and the histogram.</summary>
    private static int Stats(DatasetSplits splits, ShotThresholds thresholds, string outDir)
    {
        var counts = DatasetStats.ClassCounts(splits.Train);
        var prior = DatasetStats.Prior(splits.Train);
        var testCounts = DatasetStats.ClassCounts(splits.Test);
        var table = new Table().Title($"{Markup.Escape(splits.Name)}: {splits.Train.Count} training, {splits.Test.Count} test images")
            .AddColumns("class", "name", "train", "prior", "group", "test");
        for (int c = 0; c < counts.Length; c++)
            table.AddRow($"{c}", Markup.Escape(splits.Train.ClassNames[c]), $"{counts[c]}", $"{prior[c]:F4}", $"{thresholds.Of(counts[c])}",
                $"{testCounts[c]}");
        AnsiConsole.Write(table);
        long max = counts.Max(), min = counts.Min();
        AnsiConsole.WriteLine($"imbalance factor {(double)max / Math.Max(min, 1):F1}; groups: " +
            string.Join(", ", Enum.GetValues<ShotGroup>().Select(g => $"{g} {counts.Count(n => thresholds.Of(n) == g)}")));
        Directory.CreateDirectory(outDir);
        var png = Plots.ClassHistogram(counts, splits.Train.ClassNames, Path.Combine(outDir, "class_histogram.png"));
        AnsiConsole.MarkupLine($"Histogram: [blue]{Markup.Escape(png)}[/]");
        return 0;
    }
}

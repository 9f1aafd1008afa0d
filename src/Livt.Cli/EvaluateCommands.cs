using System.CommandLine;
using Livt.Data;
using Livt.Inference;
using Livt.Interop;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt evaluate</c> and <c>livt predict</c>.</summary>
internal static class EvaluateCommands
{
    private const string CheckpointHelp = "model.safetensors of a fine-tuned run, the run folder, a classifier without Livt metadata (an official .pth, a " +
        "converted safetensors), or (predict) a .onnx file from livt export, run by ONNX Runtime";

    /// <summary>The flags for a checkpoint without Livt metadata, which its weights cannot tell.</summary>
    internal sealed class RawOptions
    {
        public Option<int?> NumHeads { get; } = new("--num-heads") { Description = "Attention heads of a checkpoint without Livt metadata (default: timm's " +
            "for its width: 192→3, 384→6, 768→12, 1024/1280→16)" };
        public Option<string?> Normalization { get; } = new("--normalization") { Description = $"Normalise a checkpoint without Livt metadata with the " +
            $"constants LiVT's util/datasets.py uses for a dataset: {string.Join(" | ", Livt.Data.Normalization.OfficialNames)}. Default: the --dataset's " +
            "(evaluate, predict) if it is one of them, else imagenet-lt for 1000 classes and inat18 for 8142 (LiVT's released checkpoints), " +
            "imagenet otherwise" };
        public Option<float[]?> Mean { get; } = new("--mean") { Description = "Per-channel input mean for a checkpoint without Livt metadata, as for " +
            "training: --mean 0.485 0.456 0.406 (or comma-separated); wins over --normalization", CustomParser = FloatList,
            AllowMultipleArgumentsPerToken = true };
        public Option<float[]?> Std { get; } = new("--std") { Description = "Per-channel input std for a checkpoint without Livt metadata; wins over " +
            "--normalization", CustomParser = FloatList, AllowMultipleArgumentsPerToken = true };

        private static float[]? FloatList(System.CommandLine.Parsing.ArgumentResult result)
        {
            var text = string.Join(",", result.Tokens.Select(t => t.Value));
            var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => float.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x)
                    ? x : float.NaN).ToArray();
            if (values.Any(float.IsNaN)) result.AddError($"'{text}': expected numbers, e.g. 0.485 0.456 0.406");
            return values;
        }

        public void AddTo(Command command)
        {
            command.Options.Add(NumHeads);
            command.Options.Add(Normalization);
            command.Options.Add(Mean);
            command.Options.Add(Std);
        }

        // An array option that is not given reads as an empty array. Without --mean/--std, a checkpoint of
        // ImageNet-LT, iNaturalist 2018 or Places-LT (--dataset) gets the constants LiVT trains it with.
        public RawCheckpointOptions Read(ParseResult parse, string? dataset = null)
        {
            var benchmark = DatasetCatalog.Canonical(dataset) is { } name ? FileBenchmark.Find(name) : null;
            return new()
            {
                NumHeads = parse.GetValue(NumHeads),
                Normalization = parse.GetValue(Normalization) ?? benchmark?.Name,
                Mean = parse.GetValue(Mean) is { Length: > 0 } mean ? mean : null,
                Std = parse.GetValue(Std) is { Length: > 0 } std ? std : null,
            };
        }
    }

    /// <summary>The flags that name the data to evaluate on, when it is not the data the model was trained on.</summary>
    private sealed class DataArguments
    {
        public Option<string?> Dataset { get; } = new("--dataset")
        {
            Description = "Dataset (default: the one the model was trained on; required for a checkpoint without Livt metadata)",
        };
        public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Dataset root" };
        public Option<double?> Imbalance { get; } = new("--imbalance")
        {
            Description = "Imbalance factor of a built-in *-lt dataset named by --dataset (default 100; without --dataset, the model's)",
        };
        public Option<string?> TrainList { get; } = new("--train-list") { Description = "List file (--dataset list)" };
        public Option<string?> TestList { get; } = new("--test-list") { Description = "List file of the test split (--dataset list)" };

        /// <summary>The dataset --dataset names, or null to use the model's.</summary>
        public DatasetOptions? Read(ParseResult parse) => parse.GetValue(Dataset) is { } name
            ? new DatasetOptions
            {
                Name = name, DataDir = parse.GetValue(DataDir), Imbalance = parse.GetValue(Imbalance) ?? 100,
                TrainList = parse.GetValue(TrainList), TestList = parse.GetValue(TestList),
            }
            : null;
    }

    /// <summary>The flags of SADE's test-time aggregation.</summary>
    private sealed class AggregationArguments
    {
        public Option<bool> Enabled { get; } = new("--test-time-aggregation") { Description = "A multi-expert model (finetune --loss sade): on each " +
            "--test-distributions split, also learn the experts' weights from the split's unlabeled images (SADE's test-time self-supervised aggregation) " +
            "and score the weighted experts" };
        public Option<int> Epochs { get; } = new("--aggregation-epochs") { Description = "--test-time-aggregation: most passes over a split (stops once a " +
            "weight is below 0.05)", DefaultValueFactory = _ => 5 };
        public Option<double?> Lr { get; } = new("--aggregation-lr") { Description = "--test-time-aggregation: SGD learning rate (default: SADE's CIFAR 0.1 " +
            "for fashion-mnist-lt and cifar*-lt, its ImageNet-LT 0.025 otherwise)" };
        public Option<int> BatchSize { get; } = new("--aggregation-batch-size") { Description = "--test-time-aggregation: images per step",
            DefaultValueFactory = _ => 128 };

        /// <summary>The aggregation asked for, or null without --test-time-aggregation.</summary>
        public AggregationOptions? Read(ParseResult parse, int seed) => parse.GetValue(Enabled)
            ? new AggregationOptions
            {
                Epochs = parse.GetValue(Epochs), Lr = parse.GetValue(Lr), BatchSize = parse.GetValue(BatchSize), Seed = seed,
            }
            : null;
    }

    public static Command Evaluate()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = CheckpointHelp };
        var data = new DataArguments();
        var testPrior = new Option<string?>("--test-prior") { Description = "Post-hoc logit adjustment to a test label distribution: uniform | train | <file " +
            "of per-class counts or probabilities> | split (with --test-distributions: each split adjusted to its own label distribution, the oracle of a " +
            "known test prior). Default: raw logits" };
        var tau = new Option<string>("--tau") { Description = "Strength of the post-hoc adjustment, or auto: chosen over 0, 0.1, ..., 2 by balanced accuracy " +
            "on a validation split of the training set", DefaultValueFactory = _ => "1" };
        var valFraction = new Option<double?>("--val-fraction") { Description = "--tau auto: fraction of each class held out for validation, split as " +
            "finetune does (default: the fine-tuning run's, else 0.1)" };
        var valList = new Option<string?>("--val-list") { Description = "--tau auto: a list file of validation images under --data-dir instead (e.g. " +
            "ImageNet_LT_val.txt)" };
        var testDistributions = new Option<string?>("--test-distributions") { Description = "Also score test splits re-sampled from the balanced test set " +
            "(SADE's test-agnostic protocol): all | a list such as forward50,uniform,backward50" };
        var aggregation = new AggregationArguments();
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the per-class selection of --test-distributions",
            DefaultValueFactory = _ => 0 };
        var outDir = new Option<string?>("--out") { Description = "Report folder (default: <run folder>/evaluate)" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256, Description = "Batch size" };
        var workers = new Option<int>("--workers") { Description = "Loader threads (default: the cores libtorch's threads leave free, or half the cores when " +
            "they take all; at least 1)" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores; under mpirun/srun, the cores divided among the " +
            "processes on the machine)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu | cuda | cuda:N" };
        var precision = PrecisionOption();
        var command = new Command("evaluate", "Evaluate a fine-tuned model on a test split: top-1/top-5, Many/Medium/Few-shot, ECE; writes " +
            "report.json/.md and plots.")
        {
            checkpoint, data.Dataset, data.DataDir, data.Imbalance, data.TrainList, data.TestList, testPrior, tau, valFraction, valList, testDistributions,
            aggregation.Enabled, aggregation.Epochs, aggregation.Lr, aggregation.BatchSize, splitSeed, outDir, batch, workers, threads, device, precision,
        };
        var raw = new RawOptions();
        raw.AddTo(command);
        command.SetAction(parse =>
        {
            var ckpt = parse.GetValue(checkpoint)!;
            var dataset = data.Read(parse);
            var runDir = Directory.Exists(ckpt) ? ckpt : Path.GetDirectoryName(Path.GetFullPath(ckpt))!;
            using var processes = Processes.Join(parse.GetValue(device)!, Livt.Distributed.DistributedOptions.DefaultTimeout.TotalSeconds);
            var (_, report) = EvaluationRun.Run(ckpt, dataset, parse.GetValue(data.DataDir), parse.GetValue(testPrior), TauArgument.Parse(parse.GetValue(tau)!),
                parse.GetValue(outDir) ?? Path.Combine(runDir, "evaluate"), parse.GetValue(device)!, parse.GetValue(batch),
                parse.GetValue(workers), parse.GetValue(threads), raw.Read(parse, dataset?.Name), processes.Shows ? new ConsoleObserver(null) : null,
                parse.GetValue(valFraction), parse.GetValue(valList), parse.GetValue(testDistributions), parse.GetValue(splitSeed),
                parse.GetValue(precision)!, processes.Parallel.Group,
                aggregation.Read(parse, parse.GetValue(splitSeed)));
            if (report is not null) Summary.Print(report);
            return 0;
        });
        return command;
    }

    public static Command Predict()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = CheckpointHelp };
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, WebP)", Arity = ArgumentArity.OneOrMore };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 5, Description = "Classes to show per image" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu | cuda | cuda:N" };
        var precision = PrecisionOption();
        var command = new Command("predict", "Top-k classes with probabilities for image files.") { checkpoint, images, topK, device, precision };
        var raw = new RawOptions();
        raw.AddTo(command);
        command.SetAction(parse =>
        {
            var model = parse.GetValue(checkpoint)!;
            var predictions = OnnxClassifier.IsOnnxFile(model)
                ? OnnxClassifier.Predict(model, parse.GetValue(images)!, parse.GetValue(topK), parse.GetValue(device)!)
                : Predictor.Predict(model, parse.GetValue(images)!, parse.GetValue(topK), parse.GetValue(device)!,
                    raw.Read(parse), new ConsoleObserver(null), parse.GetValue(precision)!);
            foreach (var p in predictions)
            {
                var table = new Table().Title(Markup.Escape(p.Path)).AddColumns("class", "probability");
                foreach (var c in p.Top) table.AddRow(Markup.Escape(c.ClassName), $"{c.Probability:P2}");
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return command;
    }

    private static Option<string> PrecisionOption() => new("--precision")
    {
        DefaultValueFactory = _ => "auto",
        Description = "auto | fp32 | bf16: auto computes in bf16 where the device has it natively (CPU with amx_bf16/avx512_bf16, CUDA ≥ 8.0), else fp32",
    };
}

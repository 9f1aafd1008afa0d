using System.CommandLine;
using Livt.Data;
using Livt.Training;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt evaluate</c> and <c>livt predict</c>.</summary>
internal static class EvaluateCommands
{
    public static Command Evaluate()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "model.safetensors of a fine-tuned run, or the run folder" };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset (default: the one the model was trained on)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset root" };
        var imbalance = new Option<double?>("--imbalance") { Description = "Imbalance factor (default: the model's)" };
        var trainList = new Option<string?>("--train-list") { Description = "List file (--dataset list)" };
        var testList = new Option<string?>("--test-list") { Description = "List file of the test split (--dataset list)" };
        var testPrior = new Option<string?>("--test-prior") { Description = "Post-hoc logit adjustment to a test label distribution: uniform | train | <file of per-class counts or probabilities>. Default: raw logits" };
        var tau = new Option<double>("--tau") { Description = "Strength of the post-hoc adjustment", DefaultValueFactory = _ => 1.0 };
        var outDir = new Option<string?>("--out") { Description = "Report folder (default: <run folder>/evaluate)" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256, Description = "Batch size" };
        var workers = new Option<int>("--workers") { Description = "Loader threads (default: one per core)" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu | cuda | cuda:N" };
        var precision = PrecisionOption();
        var command = new Command("evaluate", "Evaluate a fine-tuned model on a test split: top-1/top-5, Many/Medium/Few-shot, ECE; writes report.json/.md and plots.")
        {
            checkpoint, dataset, dataDir, imbalance, trainList, testList, testPrior, tau, outDir, batch, workers, threads, device, precision,
        };
        command.SetAction(parse =>
        {
            var ckpt = parse.GetValue(checkpoint)!;
            DatasetOptions? data = parse.GetValue(dataset) is { } name
                ? new DatasetOptions
                {
                    Name = name, DataDir = parse.GetValue(dataDir), Imbalance = parse.GetValue(imbalance) ?? 100,
                    TrainList = parse.GetValue(trainList), TestList = parse.GetValue(testList),
                }
                : null;
            var runDir = Directory.Exists(ckpt) ? ckpt : Path.GetDirectoryName(Path.GetFullPath(ckpt))!;
            var (_, report) = EvaluationRun.Run(ckpt, data, parse.GetValue(dataDir), parse.GetValue(testPrior), parse.GetValue(tau),
                parse.GetValue(outDir) ?? Path.Combine(runDir, "evaluate"), parse.GetValue(device)!, parse.GetValue(batch),
                parse.GetValue(workers), parse.GetValue(threads), parse.GetValue(precision)!);
            Summary.Print(report);
            return 0;
        });
        return command;
    }

    public static Command Predict()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "model.safetensors of a fine-tuned run, or the run folder" };
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, WebP)", Arity = ArgumentArity.OneOrMore };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 5, Description = "Classes to show per image" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu", Description = "cpu | cuda | cuda:N" };
        var precision = PrecisionOption();
        var command = new Command("predict", "Top-k classes with probabilities for image files.") { checkpoint, images, topK, device, precision };
        command.SetAction(parse =>
        {
            var predictions = Predictor.Predict(parse.GetValue(checkpoint)!, parse.GetValue(images)!, parse.GetValue(topK), parse.GetValue(device)!, parse.GetValue(precision)!);
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

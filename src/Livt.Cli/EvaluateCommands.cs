using System.CommandLine;
using Livt.Distributed;
using Livt.Inference;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt evaluate</c> and <c>livt predict</c>.</summary>
internal static class EvaluateCommands
{
    private const string CheckpointHelp = "model.safetensors of a fine-tuned run, the run folder, a classifier without Livt metadata (an official .pth, a " +
        "converted safetensors), or (predict) a .onnx file from livt export, run by ONNX Runtime";

    public static Command Evaluate()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = CheckpointHelp };
        var options = new RecordOptions<EvaluateOptions>();
        var command = new Command("evaluate", "Evaluate a fine-tuned model on a test split: top-1/top-5, Many/Medium/Few-shot, ECE; writes " +
            "report.json/.md and plots.")
        {
            checkpoint,
        };
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var o = options.Bind(parse) with { Checkpoint = parse.GetValue(checkpoint)! };
            using var processes = Processes.Join(o.Device, DistributedOptions.DefaultTimeout.TotalSeconds);
            var (_, report) = EvaluationRun.Run(o, processes.Shows ? new ConsoleObserver(null) : null, processes.Parallel.Group);
            if (report is not null) Summary.Print(report);
            return 0;
        });
        return command;
    }

    public static Command Predict()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = CheckpointHelp };
        var images = new Argument<string[]>("images") { Description = "Image files (PNG, JPEG, WebP)", Arity = ArgumentArity.OneOrMore };
        var options = new RecordOptions<PredictOptions>();
        var command = new Command("predict", "Top-k classes with probabilities for image files.") { checkpoint, images };
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var (o, model, files) = (options.Bind(parse), parse.GetValue(checkpoint)!, parse.GetValue(images)!);
            var predictions = OnnxClassifier.IsOnnxFile(model)
                ? OnnxClassifier.Predict(model, files, o.TopK, o.Device)
                : Predictor.Predict(model, files, o.TopK, o.Device, o.Raw, new ConsoleObserver(null), o.Precision);
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
}

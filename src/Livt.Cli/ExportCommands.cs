using System.CommandLine;
using Livt.Inference;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt export</c>.</summary>
internal static class ExportCommands
{
    public static Command Export()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "model.safetensors of a fine-tuned run, the run folder, or a classifier without " +
            "Livt metadata (an official .pth, a converted safetensors)" };
        var options = new RecordOptions<ExportOptions>();
        var command = new Command("export", "Export a fine-tuned classifier as an ONNX graph (opset 17, dynamic batch, normalisation inside) that ONNX " +
            "Runtime runs; checked against the model before it is written.")
        {
            checkpoint,
        };
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var o = options.Bind(parse);
            var r = OnnxExport.Run(parse.GetValue(checkpoint)!, o.Onnx, o.TestPrior, o.Tau, o.Raw);
            var i = r.Info;
            if (r.Inferred is not null) AnsiConsole.WriteLine(r.Inferred);
            AnsiConsole.MarkupLine($"Wrote [blue]{Markup.Escape(r.Path)}[/] ({r.Bytes / 1024.0 / 1024.0:F2} MiB, {r.Nodes} nodes)");
            AnsiConsole.WriteLine($"input: image float [N, {i.InChans}, {i.InputSize}, {i.InputSize}] in [0, 1]");
            AnsiConsole.WriteLine($"outputs: logits, probabilities [N, {i.ClassNames.Length}]");
            AnsiConsole.WriteLine($"prior adjustment: {(i.TestPrior is null ? "none" : $"{i.TestPrior} (tau {i.Tau})")}");
            AnsiConsole.WriteLine($"ONNX Runtime vs Livt on a check batch: max |logit difference| {r.MaxAbsDiff:E2}");
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Livt.Decoupling;
using Livt.Distributed;
using Livt.Engine;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt retrain-head</c>: cRT, LWS or τ-normalisation on a fine-tuned classifier.</summary>
internal static class RetrainHeadCommands
{
    private const string Help =
        "Second stage on a fine-tuned classifier with its encoder frozen (Kang et al. 2020): cRT, LWS or tau-normalisation; with --keep-head --max-norm, " +
        "weight balancing's stage 2; on a pretraining run, cRT is a linear probe of its frozen encoder. Features are computed once (under mpirun/srun " +
        "shared by the processes); writes a run folder with model.safetensors, report.json/.md and plots.";

    public static Command RetrainHead()
    {
        var options = new RecordOptions<RetrainHeadOptions>();
        var command = new Command("retrain-head", Help);
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var chosen = options.Bind(parse);
            // A stage's flag given with another stage is refused even where its value reads as the default (--tau auto).
            SecondStages.CheckFlags(SecondStages.Get(chosen.Method), options.Given(parse));
            using var processes = Processes.Join(chosen.Device, DistributedOptions.DefaultTimeout.TotalSeconds);
            return Interruption.Run(stop =>
            {
                var result = processes.Run(o => new RetrainHeadRunner(chosen, o, new RunContext { Observer = o, Stop = stop, Parallel = processes.Parallel })
                    .Run());
                if (!processes.Shows) return;
                AnsiConsole.MarkupLine($"retrain-head finished in {result.Seconds:F0} s; model: [blue]{Markup.Escape(result.ModelPath)}[/]");
                Summary.Print(result.ReportPath!);
            }, null, processes.Shows);
        });
        return command;
    }
}

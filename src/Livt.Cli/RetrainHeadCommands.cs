using System.CommandLine;
using Livt.Configuration;
using Livt.Data;
using Livt.Decoupling;
using Spectre.Console;

namespace Livt.Cli;

/// <summary><c>livt retrain-head</c>: cRT, LWS or τ-normalisation on a fine-tuned classifier.</summary>
internal static class RetrainHeadCommands
{
    private const string Help =
        "Second stage on a fine-tuned classifier with its encoder frozen (Kang et al. 2020): cRT, LWS or tau-normalisation; with --keep-head --max-norm, " +
        "weight balancing's stage 2; on a pretraining run, cRT is a linear probe of its frozen encoder. Features are computed once; writes a run " +
        "folder with model.safetensors, report.json/.md and plots.";

    public static Command RetrainHead()
    {
        var d = new RetrainHeadOptions { Init = "" };
        var init = new Option<string>("--init") { Required = true, Description = "The fine-tuned classifier: its run folder or model.safetensors; or a livt " +
            "pretrain run, whose frozen encoder --method crt probes with a new linear head" };
        var method = new Option<string>("--method") { Required = true, Description = SecondStages.Help() };
        var epochs = new Option<int?>("--epochs") { Description = "crt/lws: epochs (default: crt 10, lws 5, as the official configs)" };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => d.Lr, Description = "crt/lws: SGD learning rate, cosine to 0" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => d.BatchSize, Description = "crt/lws: batch size" };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => d.WeightDecay, Description = "crt/lws: SGD weight decay" };
        var momentum = new Option<double>("--momentum") { DefaultValueFactory = _ => d.Momentum, Description = "crt/lws: SGD momentum" };
        var loss = new Option<string>("--loss") { DefaultValueFactory = _ => d.Loss,
            Description = "crt/lws: loss (ce, cb-ce, bal-ce, ...; see finetune --loss)" };
        var sampler = new Option<string>("--sampler") { DefaultValueFactory = _ => d.Sampler,
            Description = "crt/lws: class-balanced (each class equally likely; class-aware is the same) | instance" };
        var keepHead = new Option<bool>("--keep-head") { Description = "crt: start from the fine-tuned head instead of a new one (weight " +
            "balancing's stage 2)" };
        var maxNorm = new Option<double?>("--max-norm") { Description = "crt: MaxNorm threshold t: after every step cap each ||w_c|| at min + t(max - min) " +
            "of the fine-tuned head's norms" };
        var tau = new Option<string>("--tau") { DefaultValueFactory = _ => "auto",
            Description = "tau-norm: the exponent, or auto to choose it on the validation split over 0, 0.1, ..., 2" };
        var keepBias = new Option<bool>("--keep-bias") { Description = "tau-norm: keep the head's bias (the official code drops it)" };
        var valFraction = new Option<double?>("--val-fraction") { Description = "Hold out this fraction of each class for validation, split as finetune does " +
            "(default: the fine-tuning run's, else 0.1 for --tau auto, else none)" };
        var valList = new Option<string?>("--val-list") { Description = "A list file of validation images under the data root (e.g. ImageNet_LT_val.txt) " +
            "instead of a held-out fraction" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Dataset root (default: the fine-tuning run's)" };
        var trainList = new Option<string?>("--train-list") { Description = "List file (--dataset list; default: the fine-tuning run's)" };
        var testList = new Option<string?>("--test-list") { Description = "List file of the test split (default: the fine-tuning run's)" };
        var evalBatch = new Option<int>("--eval-batch-size") { DefaultValueFactory = _ => d.EvalBatchSize, Description = "Batch size of feature extraction" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: all cores)" };
        var workers = new Option<int>("--workers") { Description = "Loader threads (default: the cores libtorch's threads leave free, or half the cores when " +
            "they take all; at least 1)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => d.Device, Description = "cpu | cuda | cuda:N" };
        var outDir = new Option<string?>("--out") { Description = "Run folder (default: runs/retrain-head-<method>-<time>)" };
        var command = new Command("retrain-head", Help)
        {
            init, method, epochs, lr, batch, weightDecay, momentum, loss, sampler, keepHead, maxNorm, tau, keepBias, valFraction, valList,
            dataDir, trainList, testList, evalBatch, threads, workers, device, outDir,
        };
        command.SetAction(parse =>
        {
            var chosen = SecondStages.Get(parse.GetValue(method)!);
            var options = new RetrainHeadOptions
            {
                Init = parse.GetValue(init)!, Method = parse.GetValue(method)!, Epochs = parse.GetValue(epochs), Lr = parse.GetValue(lr),
                BatchSize = parse.GetValue(batch), WeightDecay = parse.GetValue(weightDecay), Momentum = parse.GetValue(momentum),
                Loss = parse.GetValue(loss)!, Sampler = SamplerName(parse.GetValue(sampler)!), KeepHead = parse.GetValue(keepHead),
                MaxNorm = parse.GetValue(maxNorm), KeepBias = parse.GetValue(keepBias),
                ValFraction = parse.GetValue(valFraction), ValList = parse.GetValue(valList),
                Tau = chosen.Flags.Contains(tau.Name) ? TauArgument.Parse(parse.GetValue(tau)!) : null,
                DataDir = parse.GetValue(dataDir), TrainList = parse.GetValue(trainList), TestList = parse.GetValue(testList),
                EvalBatchSize = parse.GetValue(evalBatch), Threads = parse.GetValue(threads), Workers = parse.GetValue(workers),
                Device = parse.GetValue(device)!, Out = parse.GetValue(outDir),
            };
            return Run(options, chosen, parse.GetResult(tau) is { Implicit: false }, tau.Name);
        });
        return command;
    }

    private static int Run(RetrainHeadOptions options, SecondStage chosen, bool tauGiven, string tauFlag)
    {
        if (!chosen.Flags.Contains(tauFlag) && tauGiven)
            throw new LivtException($"--tau belongs to --method {SecondStages.All.First(s => s.Flags.Contains(tauFlag))}, not {chosen}");
        var result = ConsoleObserver.Run(o => new RetrainHeadRunner(options, o).Run());
        AnsiConsole.MarkupLine($"retrain-head finished in {result.Seconds:F0} s; model: [blue]{Markup.Escape(result.ModelPath)}[/]");
        Summary.Print(result.ReportPath!);
        return 0;
    }

    // finetune's sampler words name the same samplers here (class-aware is class-balanced); the runner
    // refuses the ones a second stage does not offer.
    private static string SamplerName(string text) =>
        KebabEnumConverter.Parse<SamplerKind>(text) is { } kind and (SamplerKind.ClassBalanced or SamplerKind.Instance) ? KebabEnumConverter.Name(kind) : text;
}

using System.CommandLine;
using Livt.Cli;
using Livt.Runtime;

var root = new RootCommand("Livt: Vision Transformers for long-tailed image data (LiVT: MGP pretraining + Bal-BCE fine-tuning) on TorchSharp.");
foreach (var option in GlobalOptions.All) root.Options.Add(option);
root.Add(TrainCommands.Pretrain());
root.Add(TrainCommands.Finetune());
root.Add(TrainCommands.QuickStart());
root.Add(RetrainHeadCommands.RetrainHead());
root.Add(EvaluateCommands.Evaluate());
root.Add(EvaluateCommands.Predict());
root.Add(ExportCommands.Export());
root.Add(DataCommands.Data());
root.Add(BenchCommands.Bench());
root.Add(DistributedCommands.Distributed());
root.Add(DoctorCommand.Doctor());

var parsed = Arguments.Parse(root, args);
if (parsed.Error is { } mistake)
{
    Console.Error.WriteLine($"error: {mistake}");
    Console.Error.WriteLine($"see `{parsed.CommandPath} --help`");
    return 1;
}
try
{
    // Before anything touches TorchSharp: LIVT_LIBTORCH may choose the libtorch it runs on.
    if (LibTorch.Load()?.Warning is { } warning) Console.Error.WriteLine($"warning: {warning}");
    return parsed.Result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (UserError.Message(e) is { } message)
{
    Console.Error.WriteLine($"error: {message}");
    if (parsed.Result.GetValue(GlobalOptions.Verbose)) Console.Error.WriteLine(e);
    if (!UserError.IsNative(e)) return 1;
    // After a failed libtorch call (a CUDA error above all) libtorch's own teardown at exit can crash;
    // every file was closed as the error unwound, so the process ends here, before that teardown.
    Console.Out.Flush();
    Console.Error.Flush();
    ProcessExit.Now(1);
    return 1;
}

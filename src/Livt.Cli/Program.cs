using System.CommandLine;
using Livt;
using Livt.Cli;

var root = new RootCommand("Livt: Vision Transformers for long-tailed image data (LiVT: MGP pretraining + Bal-BCE fine-tuning) on TorchSharp.");
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

var parsed = Arguments.Parse(root, args);
if (parsed.Error is { } mistake)
{
    Console.Error.WriteLine($"error: {mistake}");
    Console.Error.WriteLine($"see `{parsed.CommandPath} --help`");
    return 1;
}
try
{
    return parsed.Result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (UserError.Message(e) is { } message)
{
    Console.Error.WriteLine($"error: {message}");
    return 1;
}

// LiVT on your own long-tailed ImageFolder with the Livt.Core package: MGP (masked-autoencoder
// pretraining on the training images) → BFT (Bal-BCE fine-tuning from that encoder) → evaluation →
// ONNX export (the model an application runs with ONNX Runtime alone; see examples/OnnxClassify).
//
//   dotnet run -- --make-sample sample    a tiny long-tailed ImageFolder (sample/train, sample/val) of real Fashion-MNIST images
//   dotnet run -- sample runs             train on it; reports in runs/
using Livt.Configuration;
using Livt.Engine;
using Livt.Inference;
using Livt.Training;

if (args is ["--make-sample", var sampleDir])
{
    SampleImageFolder.Write(sampleDir);
    return;
}
string data = args.ElementAtOrDefault(0) ?? "sample", runs = args.ElementAtOrDefault(1) ?? "runs";

// One stage's settings: the built-in quick-start recipe (a small ViT for 28-px images), on this
// ImageFolder, shrunk further so the example runs in well under a minute.
var recipe = ConfigResolver.ReadRecipe("quickstart");
TrainConfig Stage(string stage) => ConfigResolver.Resolve(stage, recipe, overrides: null) with
{
    Dataset = "imagefolder", DataDir = data, Out = Path.Combine(runs, stage), Seed = 0, Threads = 2,
    EmbedDim = 64, Depth = 2, NumHeads = 2, DecoderEmbedDim = 32, DecoderDepth = 1, DecoderNumHeads = 2,
    Epochs = 4, WarmupEpochs = 1, BatchSize = 64,
};

var log = new ConsoleLog();
var mgp = new PretrainRunner(Stage("pretrain"), log).Run();
var bft = new FinetuneRunner(Stage("finetune") with { Init = mgp.RunDir, Loss = "bal-bce" }, log).Run();

// Fine-tuning ends with a test report; a saved model is evaluated later the same way (`livt evaluate`).
var (result, report) = EvaluationRun.Run(new EvaluateOptions
{
    Checkpoint = bft.ModelPath, DataDir = data, Out = Path.Combine(runs, "evaluate"), Workers = 2, Threads = 2,
});
Console.WriteLine($"val split: top-1 {result.Top1:F1} %, many {result.Many:F1} / medium {result.Medium:F1} / few {result.Few:F1} %; {report}");

// For deployment: an ONNX graph with the preprocessing inside, checked against the model in ONNX Runtime.
var onnx = OnnxExport.Run(bft.ModelPath, Path.Combine(runs, "model.onnx"), testPrior: "uniform");
Console.WriteLine($"{onnx.Path}: {onnx.Nodes} nodes, max |logit difference| to Livt {onnx.MaxAbsDiff:E1}");

/// <summary>Shows what the runs report; the library itself never writes to the console.</summary>
sealed class ConsoleLog : ITrainingObserver
{
    public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) =>
        Console.WriteLine($"{stage}: {epochs} epochs of {stepsPerEpoch} steps → {runDir}");
    public void StepCompleted(StepProgress step) { }
    public void EpochCompleted(EpochSummary e) =>
        Console.WriteLine($"  {e.Stage} epoch {e.Epoch}/{e.Epochs}: loss {e.TrainLoss:F4}, {e.ImagesPerSecond:F0} img/s");
    public void Message(string text) => Console.WriteLine($"  {text}");
}

using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Tests.Data;
using Livt.Tests.Training;
using Livt.Training;

namespace Livt.Tests.Decoupling;

/// <summary>
/// A tiny fine-tuned classifier on a real slice of Fashion-MNIST, shared by the second-stage tests: the
/// first 60 training and 20 test images of each class written as IDX files (so the run's
/// <c>--data-dir</c> loads them as fashion-mnist-lt, IF 10: 60 → 6 images per class), and a 2-block
/// 32-d ViT fine-tuned on them for a few steps with 20 % of each class held out for validation.
/// </summary>
public sealed class SliceRun : IDisposable
{
    public SliceRun()
    {
        Root = TinyRuns.TempDir();
        DataDir = Path.Combine(Root, "data");
        Directory.CreateDirectory(DataDir);
        FashionSlice.Write(DataDir, train: 60, test: 20);
        var o = TinyRuns.Overrides(Path.Combine(Root, "finetune"), epochs: 2, steps: 4);
        o["data_dir"] = DataDir;
        o["imbalance"] = 10;
        o["val_fraction"] = 0.2;
        o["batch_size"] = 32;
        o["lr"] = 3e-3;
        var config = ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
        Finetuned = new FinetuneRunner(config).Run().RunDir;
    }

    public string Root { get; }
    public string DataDir { get; }
    /// <summary>The fine-tuning run folder.</summary>
    public string Finetuned { get; }

    /// <summary>The slice's splits as the fine-tuned model's metadata loads them.</summary>
    public DatasetSplits Load() => DatasetCatalog.Load(new DatasetOptions { DataDir = DataDir, Imbalance = 10, Seed = 3 });

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>A dataset that refuses to be read while armed: a test split that must not be looked at
/// before the model is final.</summary>
internal sealed class GuardedDataset(IImageDataset inner) : IImageDataset
{
    public bool Armed { get; set; } = true;

    public int Count => inner.Count;
    public int NumClasses => inner.NumClasses;
    public IReadOnlyList<string> ClassNames => inner.ClassNames;
    public int Channels => inner.Channels;
    public int GetLabel(int index) => Guard(() => inner.GetLabel(index));
    public Livt.Augmentation.Image GetImage(int index) => Guard(() => inner.GetImage(index));
    public string Describe(int index) => inner.Describe(index);

    private T Guard<T>(Func<T> read) =>
        Armed ? throw new InvalidOperationException("the test split was read before the model was final") : read();
}

/// <summary>Disarms a <see cref="GuardedDataset"/> when a run announces its test evaluation.</summary>
internal sealed class DisarmOnTestEvaluation(GuardedDataset test) : ITrainingObserver
{
    public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
    public void StepCompleted(StepProgress step) { }
    public void EpochCompleted(EpochSummary epoch) { }
    public void Message(string text)
    {
        if (text.StartsWith("Evaluating on the", StringComparison.Ordinal)) test.Armed = false;
    }
}

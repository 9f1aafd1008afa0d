using Livt.Data;
using Livt.Interop;

namespace Livt.Inference;

/// <summary>
/// Settings of <c>livt evaluate</c> (<see cref="EvaluationRun"/>): the checkpoint, the data to evaluate on when
/// it is not the data the model was trained on, the post-hoc adjustment, SADE's test-agnostic splits and
/// test-time aggregation, and the run's resources.
/// </summary>
public sealed record EvaluateOptions
{
    /// <summary>The model: a model file (Livt's, an official .pth, a converted safetensors) or a run folder.</summary>
    public required string Checkpoint { get; init; }

    /// <summary>The dataset to evaluate on; null: the one the model was trained on.</summary>
    [Setting("Dataset (default: the one the model was trained on; required for a checkpoint without Livt metadata)")]
    public string? Dataset { get; init; }

    /// <summary>Where the data is (also where the model's own dataset is looked for).</summary>
    [Setting("Dataset root")]
    public string? DataDir { get; init; }

    /// <summary>Imbalance factor of a built-in long-tailed <see cref="Dataset"/>; null: the dataset's default.</summary>
    [Setting("Imbalance factor of a built-in *-lt dataset named by --dataset (default 100; without --dataset, the model's)")]
    public double? Imbalance { get; init; }

    /// <summary>The training list file of a list <see cref="Dataset"/>.</summary>
    [Setting("List file (--dataset list)")]
    public string? TrainList { get; init; }

    /// <summary>The test list file of a list <see cref="Dataset"/>.</summary>
    [Setting("List file of the test split (--dataset list)")]
    public string? TestList { get; init; }

    /// <summary>The test label distribution to adjust the logits to (<see cref="PriorCorrection"/>); null: raw logits.</summary>
    [Setting("Post-hoc logit adjustment to a test label distribution: uniform | train | <file of per-class counts or probabilities> | split (with " +
        "--test-distributions: each split adjusted to its own label distribution, the oracle of a known test prior). Default: raw logits")]
    public string? TestPrior { get; init; }

    /// <summary>Strength of the adjustment; null chooses it on a validation split.</summary>
    [Setting("Strength of the post-hoc adjustment, or auto: chosen over 0, 0.1, ..., 2 by balanced accuracy on a validation split of the training set",
        NullWord = "auto")]
    public double? Tau { get; init; } = 1;

    /// <summary>τ auto: the fraction of each class held out for validation; null: the fine-tuning run's, else 0.1.</summary>
    [Setting("--tau auto: fraction of each class held out for validation, split as finetune does (default: the fine-tuning run's, else 0.1)")]
    public double? ValFraction { get; init; }

    /// <summary>τ auto: a list file of validation images instead of a held-out fraction.</summary>
    [Setting("--tau auto: a list file of validation images under --data-dir instead (e.g. ImageNet_LT_val.txt)")]
    public string? ValList { get; init; }

    /// <summary>Test splits re-sampled from the balanced test set (<see cref="Evaluation.TestAgnosticSplits"/>): "all" or a list.</summary>
    [Setting("Also score test splits re-sampled from the balanced test set (SADE's test-agnostic protocol): all | a list such as " +
        "forward50,uniform,backward50")]
    public string? TestDistributions { get; init; }

    /// <summary>Learn a multi-expert model's expert weights on each test split (<see cref="ExpertAggregation"/>).</summary>
    [Setting("A multi-expert model (finetune --loss sade): on each --test-distributions split, also learn the experts' weights from the split's " +
        "unlabeled images (SADE's test-time self-supervised aggregation) and score the weighted experts")]
    public bool TestTimeAggregation { get; init; }

    /// <summary>How <see cref="TestTimeAggregation"/> learns (its seed is <see cref="SplitSeed"/>).</summary>
    public AggregationOptions Aggregation { get; init; } = new();

    /// <summary>Seed of the test splits' per-class selection.</summary>
    [Setting("Seed of the per-class selection of --test-distributions")]
    public int SplitSeed { get; init; }

    /// <summary>Report folder; null: <c>evaluate</c> in the checkpoint's run folder.</summary>
    [Setting("Report folder (default: <run folder>/evaluate)")]
    public string? Out { get; init; }

    /// <summary>Images per forward pass.</summary>
    [Setting("Batch size")]
    public int BatchSize { get; init; } = 256;

    /// <summary>Loader threads; 0: <see cref="DataLoader.DefaultWorkers"/>.</summary>
    [Setting(FlagHelp.Workers)]
    public int Workers { get; init; }

    /// <summary>libtorch threads; 0: all cores, or under a launcher the cores divided among the machine's processes.</summary>
    [Setting("libtorch threads (default: all cores; under mpirun/srun, the cores divided among the processes on the machine)")]
    public int Threads { get; init; }

    /// <summary>cpu, cuda or cuda:N.</summary>
    [Setting(FlagHelp.Device)]
    public string Device { get; init; } = "cpu";

    /// <summary>auto (bf16 where the device has it natively), fp32 or bf16.</summary>
    [Setting(FlagHelp.Precision)]
    public string Precision { get; init; } = "auto";

    /// <summary>What a checkpoint without Livt metadata cannot say (see <see cref="RawCheckpoint"/>).</summary>
    public RawCheckpointOptions Raw { get; init; } = new();

    /// <summary>The dataset <see cref="Dataset"/> names, or null to use the model's.</summary>
    public DatasetOptions? DatasetOverride()
    {
        if (Dataset is null) return null;
        var options = new DatasetOptions { Name = Dataset, DataDir = DataDir, TrainList = TrainList, TestList = TestList };
        return Imbalance is { } factor ? options with { Imbalance = factor } : options;
    }

    /// <summary>The test-time aggregation asked for, or null without <see cref="TestTimeAggregation"/>.</summary>
    public AggregationOptions? AggregationToRun() => TestTimeAggregation ? Aggregation with { Seed = SplitSeed } : null;

    /// <summary><see cref="Raw"/>, normalising as LiVT trains a benchmark that <see cref="Dataset"/> names (ImageNet-LT,
    /// iNaturalist 2018, Places-LT) unless told otherwise.</summary>
    public RawCheckpointOptions RawCheckpoint() =>
        Raw.Normalization is null && DatasetCatalog.Canonical(Dataset) is { } name && FileBenchmark.Find(name) is { } benchmark
            ? Raw with { Normalization = benchmark.Name }
            : Raw;

    /// <summary>The report folder: <see cref="Out"/>, else <c>evaluate</c> in the checkpoint's run folder.</summary>
    public string ReportFolder() =>
        Out ?? Path.Combine(Directory.Exists(Checkpoint) ? Checkpoint : Path.GetDirectoryName(Path.GetFullPath(Checkpoint))!, "evaluate");
}

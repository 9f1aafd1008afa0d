using System.Text.Json.Serialization;

namespace Livt.Training;

/// <summary>
/// Every setting of a pretraining (MGP) or fine-tuning (BFT) run, fully resolved: built from the
/// defaults below, a recipe's <c>common</c> and stage sections, then command-line flags. Written to
/// <c>&lt;out&gt;/config.json</c> so a run can be repeated or resumed exactly. JSON names are the
/// snake_case of the property names (<c>batch_size</c>, <c>bal_tau</c>), as in LiVT's args.txt.
/// </summary>
public sealed record TrainConfig
{
    // --- data ---
    /// <summary>fashion-mnist-lt | cifar10-lt | cifar100-lt | imagefolder | list.</summary>
    public string Dataset { get; init; } = "fashion-mnist-lt";
    public string? DataDir { get; init; }
    /// <summary>Imbalance factor n_max / n_min for the *-lt datasets.</summary>
    public double Imbalance { get; init; } = 100;
    /// <summary>exp | step.</summary>
    public string Profile { get; init; } = "exp";
    public string? TrainList { get; init; }
    public string? TestList { get; init; }
    public bool SkipCorrupt { get; init; }
    /// <summary>Fraction of each class's training images held out for validation (at least one per
    /// class when positive). The best checkpoint, when kept, is chosen on it, never on the test set.</summary>
    public double ValFraction { get; init; }

    // --- model ---
    /// <summary>A preset of <see cref="Livt.Models.ModelPresets"/>; the fields below override it.</summary>
    public string Model { get; init; } = Livt.Models.ModelPresets.QuickStart;
    public int? InputSize { get; init; }
    public int? PatchSize { get; init; }
    public int? EmbedDim { get; init; }
    public int? Depth { get; init; }
    public int? NumHeads { get; init; }
    public int? DecoderEmbedDim { get; init; }
    public int? DecoderDepth { get; init; }
    public int? DecoderNumHeads { get; init; }
    public double DropPath { get; init; } = 0.1;
    /// <summary>manual | fused attention.</summary>
    public string Attention { get; init; } = "manual";

    // --- optimisation ---
    public int Epochs { get; init; } = 100;
    public double WarmupEpochs { get; init; } = 10;
    /// <summary>A cap on steps per epoch, for smoke tests; null runs whole epochs.</summary>
    public int? StepsPerEpoch { get; init; }
    public int BatchSize { get; init; } = 128;
    public int AccumIter { get; init; } = 1;
    /// <summary>Absolute learning rate; when null it is <see cref="Blr"/> × effective batch / 256.</summary>
    public double? Lr { get; init; }
    public double Blr { get; init; } = 1e-3;
    public double MinLr { get; init; } = 1e-6;
    public double WeightDecay { get; init; } = 0.05;
    public double LayerDecay { get; init; } = 0.75;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Gradient-norm clip; null for none.</summary>
    public double? ClipGrad { get; init; }

    // --- MGP ---
    public double MaskRatio { get; init; } = 0.75;
    public bool NormPixLoss { get; init; } = true;

    // --- BFT ---
    public string Loss { get; init; } = "bal-bce";
    public double BalTau { get; init; } = 1.0;
    public double Mixup { get; init; } = 0.8;
    public double Cutmix { get; init; } = 1.0;
    public double MixupSwitchProb { get; init; } = 0.5;
    public double MixupProb { get; init; } = 1.0;
    public double Smoothing { get; init; } = 0.1;
    /// <summary>RandomErasing probability.</summary>
    public double Reprob { get; init; } = 0.25;
    /// <summary>timm RandAugment spec; null or empty for none.</summary>
    public string? RandAugment { get; init; } = "rand-m9-mstd0.5-inc1";
    /// <summary>Lower bound of RandomResizedCrop's scale range.</summary>
    public double ScaleMin { get; init; } = 0.08;
    public bool HorizontalFlip { get; init; } = true;
    /// <summary>An MGP checkpoint (file or run folder) whose encoder initialises fine-tuning.</summary>
    public string? Init { get; init; }

    // --- run ---
    public int Seed { get; init; }
    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default (all cores).</summary>
    public int Threads { get; init; }
    /// <summary>Loader threads; 0 = one per core.</summary>
    public int Workers { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>fp32, or bf16 (bf16 compute with fp32 master weights, see <see cref="MixedPrecision"/>).</summary>
    public string Precision { get; init; } = "fp32";
    public string? Out { get; init; }
    /// <summary>Evaluate on the validation split (or, without one, the test split, for the log only)
    /// every N epochs; 0 evaluates only at the end.</summary>
    public int EvalEvery { get; init; }
    /// <summary>Keep <c>best.safetensors</c>, chosen on the validation split's balanced accuracy.</summary>
    public bool SaveBest { get; init; }

    /// <summary>The batch the learning rate is scaled by: batch × accumulation steps.</summary>
    [JsonIgnore] public int EffectiveBatch => BatchSize * AccumIter;

    /// <summary>The learning rate actually used.</summary>
    [JsonIgnore] public double ResolvedLr => Lr ?? Livt.Training.Optimization.LrSchedule.FromBase(Blr, EffectiveBatch);
}

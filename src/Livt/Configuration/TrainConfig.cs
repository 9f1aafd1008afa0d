using Livt.Data;
using Livt.Models;
using Livt.Optimization;

namespace Livt.Configuration;

/// <summary>
/// Every setting of a pretraining (MGP) or fine-tuning (BFT) run, fully resolved: built from the
/// defaults below, a recipe's <c>common</c> and stage sections, then command-line flags
/// (<see cref="ConfigResolver"/>), and checked once (<see cref="TrainConfigRules"/>). Each property
/// marked <see cref="SettingAttribute"/> is the single definition of a setting: its recipe key is the
/// snake_case of its name (<c>batch_size</c>, <c>bal_tau</c>, as in LiVT's args.txt), its flag and help
/// come from the attribute. Written to <c>&lt;out&gt;/config.json</c> so a run can be repeated or
/// resumed exactly.
/// </summary>
public sealed partial record TrainConfig
{
    // The settings' order (help, docs/CLI.md, config.json) is their declaration order, and the parts of a
    // partial type come in file-name order: this file, then TrainConfig.Finetuning.cs, then TrainConfig.Run.cs.
    // --- data ---
    [Setting("{datasets}")]
    public string Dataset { get; init; } = "fashion-mnist-lt";

    [Setting("Dataset root (Fashion-MNIST is found in /usr/share/datasets/fashion-mnist or $LIVT_DATA without it)")]
    public string? DataDir { get; init; }

    [Setting("Imbalance factor n_max/n_min for the *-lt datasets (recipe: 100)")]
    public double Imbalance { get; init; } = 100;

    [Setting("Long-tail profile of the *-lt datasets (recipe: exp)")]
    public LongTailProfile Profile { get; init; } = LongTailProfile.Exp;

    [Setting("Which images of each class the *-lt datasets keep: the LDAM-DRW/LiVT generator (ldam, the CIFAR-LT default), Cui et al.'s (cui), Livt's own " +
        "seeded draw (livt, the Fashion-MNIST-LT default)")]
    public LongTailSplit? LtSplit { get; init; }

    [Setting("List file of 'relative/path label' lines (--dataset list); looked for as given, then under --data-dir")]
    public string? TrainList { get; init; }

    [Setting("List file for the test split (--dataset list)")]
    public string? TestList { get; init; }

    [Setting("List file of the validation split (ImageNet-LT, iNaturalist and Places-LT ship one); imagefolder uses val/ beside train/ and test/")]
    public string? ValList { get; init; }

    [Setting("Skip unreadable images (counted and reported) instead of stopping")]
    public bool SkipCorrupt { get; init; }

    [Setting("Hold out this fraction of each class for validation when the dataset has no validation split (best checkpoint chosen on it, never on test)")]
    public double ValFraction { get; init; }

    [Setting("Per-channel normalisation mean (default: the dataset's own statistics, or the official constants in the recipe)")]
    public double[]? Mean { get; init; }

    [Setting("Per-channel normalisation std (with --mean)")]
    public double[]? Std { get; init; }

    [Setting("Training sampler: every image once (instance), classes equally likely (class-balanced; class-aware is read as it too), classes by the square " +
        "root of their counts (sqrt), instance to class-balanced over the run (progressive)")]
    public SamplerKind Sampler { get; init; } = SamplerKind.Instance;

    // --- model ---
    [Setting("Model preset (default: vit_quick_patch4_28; see docs/MODELS.md), or a CNN to fine-tune: resnet32 / resnet50")]
    public string Model { get; init; } = ModelPresets.QuickStart;

    [Setting("Input size in pixels (overrides the preset); fine-tuning at another size than the MGP run resamples the position embedding")]
    public int? InputSize { get; init; }

    [Setting("Patch size (overrides the preset)")]
    public int? PatchSize { get; init; }

    [Setting("Embedding dimension (overrides the preset)")]
    public int? EmbedDim { get; init; }

    [Setting("Transformer blocks (overrides the preset)")]
    public int? Depth { get; init; }

    [Setting("Attention heads (overrides the preset)")]
    public int? NumHeads { get; init; }

    [Setting("MAE decoder dimension (overrides the preset)")]
    public int? DecoderEmbedDim { get; init; }

    [Setting("MAE decoder blocks (overrides the preset)")]
    public int? DecoderDepth { get; init; }

    [Setting("MAE decoder heads (overrides the preset)")]
    public int? DecoderNumHeads { get; init; }

    [Setting("Classifier pooling: mean of the patch tokens then fc_norm (avg, LiVT), or the cls token after norm (token)", FinetuneOnly = true)]
    public Pooling GlobalPool { get; init; } = Pooling.Avg;

    [Setting("Drop-path rate (fine-tuning)")]
    public double DropPath { get; init; } = 0.1;

    [Setting("Attention kernel (manual is faster at small shapes, see bench)")]
    public AttentionImpl Attention { get; init; } = AttentionImpl.Manual;

    // --- optimisation ---
    [Setting("Training epochs", PerStage = true)]
    public int Epochs { get; init; } = 100;

    [Setting("Linear warm-up epochs")]
    public double WarmupEpochs { get; init; } = 10;

    [Setting("Cap on steps per epoch (smoke tests)")]
    public int? StepsPerEpoch { get; init; }

    [Setting("Batch size per step and process (under mpirun/srun each process takes this many images)")]
    public int BatchSize { get; init; } = 128;

    [Setting("Gradient accumulation steps (effective batch = batch-size x accum-iter x processes)")]
    public int AccumIter { get; init; } = 1;

    [Setting("Absolute learning rate (overrides --blr; a --blr given later, e.g. on the command line over a recipe's lr, wins)")]
    public double? Lr { get; init; }

    [Setting("Base learning rate: lr = blr x effective batch / 256")]
    public double Blr { get; init; } = 1e-3;

    [Setting("Learning rate at the end of the cosine")]
    public double MinLr { get; init; } = 1e-6;

    [Setting("Optimizer: adamw (LiVT, MAE) or sgd (with momentum, as torch.optim.SGD: the official recipes of the contrastive methods and CNNs)")]
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adamw;

    [Setting("Weight decay (AdamW: decoupled; SGD: L2, added to the gradient)")]
    public double WeightDecay { get; init; } = 0.05;

    [Setting("SGD momentum (default 0.9; --optimizer sgd only)")]
    public double? Momentum { get; init; }

    [Setting("Layer-wise learning-rate decay (fine-tuning)")]
    public double LayerDecay { get; init; } = 0.75;

    [Setting("AdamW beta1 (SGD reads neither beta)")]
    public double Beta1 { get; init; } = 0.9;

    [Setting("AdamW beta2 (MGP 0.95, BFT 0.99 in the paper)")]
    public double Beta2 { get; init; } = 0.999;

    [Setting("Clip the gradient norm to this value")]
    public double? ClipGrad { get; init; }

    // --- MGP ---
    [Setting("MGP: fraction of patches removed")]
    public double MaskRatio { get; init; } = 0.75;

    [Setting("MGP: normalise target patches")]
    public bool NormPixLoss { get; init; } = true;

    // --- pretraining method ---
    [Setting("Pretraining method: mae (MGP, the default) / moco-v3 / byol / dcl / dclw / mimco, on the same encoder (docs/PRETRAINING.md)")]
    public string Method { get; init; } = "mae";

    [Setting("mimco: the teacher, a moco-v3 pretraining run (its folder or model.safetensors) whose frozen encoder gives the reconstruction targets")]
    public string? Teacher { get; init; }

    [Setting("moco-v3 / dcl / dclw / mimco: temperature of the contrast (default: moco-v3 0.2, dcl / dclw 0.1, mimco 0.2)")]
    public double? SslTemperature { get; init; }

    [Setting("moco-v3 / byol: momentum of the momentum (target) encoder at the start, raised to 1 on a half cosine over the run (default: moco-v3 " +
        "0.99, byol 0.996)")]
    public double? SslMomentum { get; init; }

    [Setting("moco-v3 / byol / dcl / dclw: output width of the projection and prediction MLPs (default: moco-v3 / byol 256, dcl / dclw 128)")]
    public int? SslProjDim { get; init; }

    [Setting("moco-v3 / byol / dcl / dclw / mimco: hidden width of the MLP heads (default: moco-v3 / byol / mimco 4096, dcl / dclw 512)")]
    public int? SslHiddenDim { get; init; }

    [Setting("moco-v3: keep the random patch projection frozen, the MoCo v3 paper's stability trick (default true)")]
    public bool? FreezePatchEmbed { get; init; }

    [Setting("dclw: sigma of the von Mises-Fisher weighting of the positive term (default 0.5)")]
    public double? DclSigma { get; init; }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Livt.Data;
using Livt.Methods;
using Livt.Models;

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
public sealed record TrainConfig
{
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

    [Setting("AdamW weight decay")]
    public double WeightDecay { get; init; } = 0.05;

    [Setting("Layer-wise learning-rate decay (fine-tuning)")]
    public double LayerDecay { get; init; } = 0.75;

    [Setting("AdamW beta1")]
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

    // --- BFT ---
    [Setting("BFT loss: {losses} (docs/LOSSES.md)", FinetuneOnly = true)]
    public string Loss { get; init; } = "bal-bce";

    [Setting("Bal-BCE / Bal-CE margin scale tau", FinetuneOnly = true)]
    public double BalTau { get; init; } = 1.0;

    [Setting("First epoch of deferred re-weighting (DRW): LDAM's loss, or with --distill-from the distillation loss (DeiT-LT's --drw); unset keeps them " +
        "unweighted, as the official LiVT code does for LDAM", FinetuneOnly = true)]
    public int? DrwEpoch { get; init; }

    [Setting("Class-balanced beta of the effective number (cb-ce, cb-bce, LDAM-DRW)", FinetuneOnly = true)]
    public double CbBeta { get; init; } = 0.9999;

    [Setting("Focal loss gamma", FinetuneOnly = true)]
    public double FocalGamma { get; init; } = 2.0;

    [Setting("LDAM: margin of the rarest class", FinetuneOnly = true)]
    public double LdamMaxMargin { get; init; } = 0.5;

    [Setting("iif: the weights' variant as the official code defines them: raw log(N/n_c) (official default), smooth log((N+1)/(n_c+1))+1 (its recipes), " +
        "rel, normit, gombit, base2, base10 (docs/LOSSES.md); the saved model's head includes them, as the official evaluation multiplies the logits by them",
        FinetuneOnly = true)]
    public string IifVariant { get; init; } = "raw";

    [Setting("iif: divide the weights by their p-norm (official --iif_norm; 0 = no normalisation)", FinetuneOnly = true)]
    public int IifNorm { get; init; }

    [Setting("CMO: paste a CutMix box of a batch drawn by the minority-weighted sampler (classes ~ equally likely) onto the usual batch, labels mixed by " +
        "area; replaces Mixup/CutMix, which must be off (--mixup 0 --cutmix 0; the quick-start recipe has them off)", FinetuneOnly = true)]
    public bool Cmo { get; init; }

    [Setting("CMO: probability that a batch inside the window is mixed (official 0.5)", FinetuneOnly = true)]
    public double CmoProb { get; init; } = 0.5;

    [Setting("CMO: beta of the box area lambda ~ Beta(beta, beta) (official 1)", FinetuneOnly = true)]
    public double CmoBeta { get; init; } = 1.0;

    [Setting("CMO: mix only after this 0-based epoch (official 3, for 200+ epochs; at a 6-epoch budget use 0)", FinetuneOnly = true)]
    public int CmoStartEpoch { get; init; } = 3;

    [Setting("CMO: stop mixing this many epochs before the end (official 3; at a 6-epoch budget use 1)", FinetuneOnly = true)]
    public int CmoEndEpochs { get; init; } = 3;

    [Setting("Difficulty-Net: learn per-class loss weights from per-class validation accuracy in a meta-learning loop (needs --val-fraction or a " +
        "validation split)", FinetuneOnly = true)]
    public bool DifficultyNet { get; init; }

    [Setting("Difficulty-Net: Adam learning rate of the net (official ImageNet-LT 1e-3, CIFAR 1e-5)", FinetuneOnly = true)]
    public double DifficultyLr { get; init; } = 1e-3;

    [Setting("Difficulty-Net: weight lambda of the driver loss (official 0.3)", FinetuneOnly = true)]
    public double DifficultyLambda { get; init; } = 0.3;

    [Setting("Difficulty-Net: the meta step's virtual update over the whole model (model, as the official code) or the head alone on frozen features " +
        "(head, cheaper)", FinetuneOnly = true)]
    public DifficultyMetaScope DifficultyMeta { get; init; } = DifficultyMetaScope.Model;

    [Setting("Contrastive losses: temperature of the contrast (default: the method's, gpaco / paco 0.2, bcl 0.07, tsc 0.07, rescom 0.1)", FinetuneOnly = true)]
    public double? ConTemperature { get; init; }

    [Setting("gpaco / paco: weight alpha of the same-class sample positives (default 0.05); bcl: weight alpha of the logit-adjusted CE (default 1)",
        FinetuneOnly = true)]
    public double? ConAlpha { get; init; }

    [Setting("gpaco / paco: weight beta of the class-centre positive (default 1); bcl: weight beta of the contrastive term (default 0.35); rescom: weight of " +
        "the contrastive term (default 1); tsc: weight of the target term (default 0.2)", FinetuneOnly = true)]
    public double? ConBeta { get; init; }

    [Setting("gpaco / paco / tsc: keys in the FIFO queue (default 8192 / 8192 / 65536; gpaco / paco 0: the batch only); rescom: keys per class (default 8)",
        FinetuneOnly = true)]
    public int? QueueSize { get; init; }

    [Setting("Contrastive losses: width of the projection (default: gpaco / paco 128, bcl 1024, tsc 128, rescom 128)", FinetuneOnly = true)]
    public int? ProjDim { get; init; }

    [Setting("tsc: Adam steps of the one-off optimisation of the class targets on the hypersphere (target_generation.py; saved with the run)",
        FinetuneOnly = true)]
    public int TscTargetSteps { get; init; } = 10000;

    [Setting("sade (alias tade): transformer blocks each of the three experts owns (the rest of the encoder is shared)", FinetuneOnly = true)]
    public int ExpertBlocks { get; init; } = 2;

    [Setting("sade: tau of the backward expert's inverse prior (official 2)", FinetuneOnly = true)]
    public double SadeTau { get; init; } = 2.0;

    [Setting("sade: scale s of the experts' cosine classifiers s*cos(x, w_c) (official NormedLinear, 30 in every SADE config); 0 gives linear " +
        "heads with biases", FinetuneOnly = true)]
    public double SadeCosineScale { get; init; } = 30;

    [Setting("DeiT-LT: fine-tune a ViT with a distillation token and head (docs/DEIT_LT.md) whose teacher is this trained classifier, e.g. a ResNet-32 run: " +
        "its hard labels of each augmented batch train the distillation head", FinetuneOnly = true)]
    public string? DistillFrom { get; init; }

    [Setting("DeiT-LT: no Mixup/CutMix from --drw-epoch on, the class head then trained on the true labels (official --no-mixup-drw)", FinetuneOnly = true)]
    public bool NoMixupDrw { get; init; }

    [Setting("SAM, sharpness-aware minimisation (Foret et al.): neighbourhood radius rho of the ascent step (DeiT-LT's teachers: LDAM-DRW + SAM, rho 0.8 on " +
        "CIFAR-LT); unset trains without SAM (each step then costs two forward and backward passes; no --accum-iter)", FinetuneOnly = true)]
    public double? SamRho { get; init; }

    [Setting("Mixup alpha (0 disables)", FinetuneOnly = true)]
    public double Mixup { get; init; } = 0.8;

    [Setting("CutMix alpha (0 disables)", FinetuneOnly = true)]
    public double Cutmix { get; init; } = 1.0;

    [Setting("Probability of CutMix rather than Mixup when both are on", FinetuneOnly = true)]
    public double MixupSwitchProb { get; init; } = 0.5;

    [Setting("Probability of mixing a batch", FinetuneOnly = true)]
    public double MixupProb { get; init; } = 1.0;

    [Setting("Label smoothing", FinetuneOnly = true)]
    public double Smoothing { get; init; } = 0.1;

    [Setting("RandomErasing probability", FinetuneOnly = true)]
    public double Reprob { get; init; } = 0.25;

    [Setting("RandAugment spec, timm style (rand-m9-mstd0.5-inc1); 'none' disables", Flag = "--aa", NoneIsNull = true, FinetuneOnly = true)]
    public string? RandAugment { get; init; } = "rand-m9-mstd0.5-inc1";

    [Setting("RandomResizedCrop minimum area fraction")]
    public double ScaleMin { get; init; } = 0.08;

    [Setting("Random horizontal flip during training")]
    public bool Hflip { get; init; } = true;

    [Setting("Evaluation centre-crop fraction (default: 224/256 up to 224 px, 1.0 above, as the official eval transform)")]
    public double? CropPct { get; init; }

    [Setting("Pretraining checkpoint to fine-tune from: model.safetensors or its run folder (any --method of livt pretrain), an official MAE/LiVT .pth, or a " +
        "converted safetensors", FinetuneOnly = true)]
    public string? Init { get; init; }

    // --- run ---
    [Setting("Random seed (data subset, initialisation, order, augmentation)")]
    public int Seed { get; init; }

    [Setting("libtorch threads (default: all cores; under mpirun/srun, the cores divided among the processes on the machine)")]
    public int Threads { get; init; }

    [Setting("Data-loader threads (default: the cores libtorch's threads leave free, or half the cores when they take all; at least 1)")]
    public int Workers { get; init; }

    [Setting("cpu / cuda / cuda:N")]
    public string Device { get; init; } = "cpu";

    [Setting("Multi-process runs: seconds a process waits in one collective (gradient averaging, evaluation, the checks at start) before it decides another " +
        "process died or hung and ends the job")]
    public double DistTimeout { get; init; } = Livt.Distributed.DistributedOptions.DefaultTimeout.TotalSeconds;

    [Setting("auto / fp32 / bf16: auto computes in bf16 (fp32 master weights) where the device has it natively (CPU flag amx_bf16 or avx512_bf16, CUDA " +
        "compute capability 8.0+), else in fp32; elsewhere bf16 is emulated, ~30x slower (docs/PERFORMANCE.md)")]
    public string Precision { get; init; } = "auto";

    /// <summary>The precision the run computes in, "fp32" or "bf16": <see cref="Precision"/> decided once when
    /// the run starts (<see cref="Runtime.PrecisionPolicy"/>) and kept by a resumed run; null until then. Not a
    /// setting: config.json records it beside <see cref="PrecisionReason"/>.</summary>
    public string? PrecisionUsed { get; init; }

    /// <summary>Why <see cref="PrecisionUsed"/> was chosen, e.g. "bf16: CPU has avx512_bf16".</summary>
    public string? PrecisionReason { get; init; }

    [Setting("Run folder (default: runs/<stage>-<time>)", PerStage = true)]
    public string? Out { get; init; }

    [Setting("Validate every N epochs (with a validation split)")]
    public int EvalEvery { get; init; }

    [Setting("Keep best.safetensors, chosen on the validation split (needs one: --val-list, val/, or --val-fraction)", FinetuneOnly = true)]
    public bool SaveBest { get; init; }

    [Setting("Also write a resumable checkpoint every N optimizer steps within an epoch (the last two are kept)")]
    public int? SaveEverySteps { get; init; }

    /// <summary>The batch the learning rate is scaled by: batch × accumulation steps × processes.</summary>
    public int EffectiveBatch(int worldSize = 1) => BatchSize * AccumIter * worldSize;

    /// <summary>The values of the settings the registered methods declare in their own options records
    /// (<see cref="LongTailMethod.OptionsType"/>), by recipe key: config.json keeps them beside the others, as
    /// flat keys. Read them typed with <see cref="Options{T}"/>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? MethodSettings { get; init; }

    /// <summary>The options record <typeparamref name="T"/> of a method, from <see cref="MethodSettings"/>
    /// (its defaults where a value is absent, as in a run folder written before the method existed).</summary>
    public T Options<T>() where T : class, new() => (T)Options(typeof(T));

    /// <summary>The options record of <paramref name="method"/>, or null when it declares none.</summary>
    public object? Options(LongTailMethod method) => method.OptionsType is { } t ? Options(t) : null;

    private object Options(Type type)
    {
        var known = Setting.Of(type).Select(s => s.Key).ToHashSet();
        var values = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in MethodSettings ?? [])
            if (known.Contains(key)) values[key] = System.Text.Json.Nodes.JsonNode.Parse(value.GetRawText());
        return values.Deserialize(type, ConfigResolver.JsonOptions)!;
    }

    /// <summary>What the training loop reads of this run (<see cref="Engine.Trainer"/>, <see cref="Engine.TrainStep"/>),
    /// with the learning rate scaled to <paramref name="worldSize"/> processes.</summary>
    public Engine.TrainerOptions TrainerOptions(int worldSize = 1) => new()
    {
        Epochs = Epochs, StepsPerEpoch = StepsPerEpoch, BatchSize = BatchSize, DataName = Dataset, Lr = ResolvedLr(worldSize),
        MinLr = MinLr, WarmupEpochs = WarmupEpochs, AccumIter = AccumIter, ClipGrad = ClipGrad, SamRho = SamRho, Seed = Seed,
        SaveEverySteps = SaveEverySteps,
    };

    /// <summary>The learning rate actually used (the official rule: blr × global effective batch / 256).</summary>
    public double ResolvedLr(int worldSize = 1) => Lr ?? Livt.Optimization.LrSchedule.FromBase(Blr, EffectiveBatch(worldSize));
}

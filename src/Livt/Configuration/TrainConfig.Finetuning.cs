using Livt.Models;

namespace Livt.Configuration;

public sealed partial record TrainConfig
{
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

    [Setting("RandAugment spec, timm style (rand-m9-mstd0.5-inc1); 'none' disables", Flag = "--aa", NullWord = "none", FinetuneOnly = true)]
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
}

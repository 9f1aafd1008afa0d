using Livt.Losses;
using Livt.Methods.VectorScaling;

namespace Livt.Methods;

/// <summary>
/// Every long-tail method Livt has, registered once: a line here makes a method selectable by name
/// (<c>--loss</c>, recipes), listed (<c>--help</c>, docs/CLI.md), checked (its flags refused with other
/// methods) and recorded (a model file's <c>livt.loss</c>). The losses on one head are built here too.
/// </summary>
public static class LongTailMethods
{
    private static readonly string[] ContrastiveSettings = ["con_temperature", "con_beta", "proj_dim"];

    /// <summary>The registered methods, in the order help and docs list them.</summary>
    public static IReadOnlyList<LongTailMethod> All { get; } =
    [
        new LossMethod("bal-bce", "Bal-BCE (LiVT): BCE on logits shifted by tau * (log prior - log(1 - prior)), --bal-tau",
            (c, o) => new BinaryCrossEntropyLoss(c, o.Tau, null, o.Smoothing)) { AssumesBalancedPrior = true, Settings = ["bal_tau"] },
        new LossMethod("bce", "BCE on one-hot (smoothed) targets",
            (c, o) => new BinaryCrossEntropyLoss(c, null, null, o.Smoothing)),
        new LossMethod("ce", "softmax cross-entropy",
            (c, o) => new SoftmaxCrossEntropyLoss(c, null, 0.0, acceptsSoftTargets: true)),
        new LossMethod("ls-ce", "label-smoothed cross-entropy on hard labels (--smoothing)",
            (c, o) => new SoftmaxCrossEntropyLoss(c, null, o.Smoothing, acceptsSoftTargets: false)),
        new LossMethod("bal-ce", "balanced softmax / logit-adjusted CE (Menon et al. 2021): CE on logits + tau * log prior, --bal-tau",
            (c, o) => new SoftmaxCrossEntropyLoss(c, o.Tau, 0.0, acceptsSoftTargets: true)) { AssumesBalancedPrior = true, Settings = ["bal_tau"] },
        new LossMethod("cb-ce", "class-balanced CE (Cui et al. 2019): weights from the effective number, --cb-beta",
            (c, o) => new ClassBalancedCrossEntropyLoss(c, o.Beta)) { Settings = ["cb_beta"] },
        new LossMethod("cb-bce", "class-balanced BCE (Cui et al. 2019), --cb-beta",
            (c, o) => new BinaryCrossEntropyLoss(c, null, o.Beta, o.Smoothing)) { Settings = ["cb_beta"] },
        new LossMethod("ldam", "LDAM (Cao et al. 2019): per-class margins, optional deferred re-weighting (--drw-epoch)",
            (c, o) => new LdamLoss(c, o.LdamMaxMargin, o.LdamScale, o.DrwEpoch, o.Beta)) { Settings = ["ldam_max_margin", "drw_epoch", "cb_beta"] },
        new LossMethod("mislas", "MiSLAS (Zhong et al. 2021): label smoothing by class size",
            (c, o) => new MislasLoss(c, o.MislasSmoothHead, o.MislasSmoothTail)),
        new LossMethod("lade", "LADE (Hong et al. 2021): label-distribution disentangling",
            (c, o) => new LadeLoss(c, o.LadeRemineLambda)) { AssumesBalancedPrior = true },
        new LossMethod("focal", "focal loss (Lin et al. 2017), --focal-gamma",
            (c, o) => new FocalLoss(c, o.FocalGamma)) { Settings = ["focal_gamma"] },
        new LossMethod("iif", "inverse image frequency (Alexandridis et al. 2023): logits scaled per class, also at evaluation",
            (c, o) => new IifLoss(c, o.IifVariant, o.IifNorm)) { Settings = ["iif_variant", "iif_norm"] },
        new LossMethod<VsOptions>("vs", "vector-scaling loss (Kini et al. 2021): CE on logits scaled by (n_c / n_max)^gamma plus tau * log prior",
            (c, _, own) => new VsLoss(c, own)) { AssumesBalancedPrior = true },

        new TrainingMethod(DiverseExpertLoss.Name, MethodKind.Experts,
            "SADE/TADE (Zhang et al. 2022): three experts (forward, uniform, backward) on a shared trunk, averaged or aggregated at test time")
        {
            Aliases = ["tade"], Settings = ["expert_blocks", "sade_tau", "sade_cosine_scale"],
            RetrainHeadRefusal = "a multi-expert model has no single head to retrain; its experts are combined at evaluation (evaluate " +
                "--test-time-aggregation)",
        },

        new TrainingMethod("gpaco", MethodKind.Contrastive, "GPaCo (Cui et al. 2023): parametric class centres beside a MoCo queue")
            { AssumesBalancedPrior = true, Settings = [.. ContrastiveSettings, "con_alpha", "queue_size"] },
        new TrainingMethod("paco", MethodKind.Contrastive, "PaCo (Cui et al. 2021): parametric contrastive learning with a momentum encoder")
            { AssumesBalancedPrior = true, Settings = [.. ContrastiveSettings, "con_alpha", "queue_size"] },
        new TrainingMethod("bcl", MethodKind.Contrastive, "BCL (Zhu et al. 2022): balanced contrastive learning with class-averaged and " +
            "class-complemented terms")
            { AssumesBalancedPrior = true, Settings = [.. ContrastiveSettings, "con_alpha"] },
        new TrainingMethod("tsc", MethodKind.Contrastive, "TSC (Li et al. 2022): targeted supervised contrast towards uniform targets on the hypersphere")
            { AssumesBalancedPrior = true, Settings = [.. ContrastiveSettings, "queue_size", "tsc_target_steps"] },
        new TrainingMethod("rescom", MethodKind.Contrastive, "ResCom (2024): class-wise queues with hard positive and negative mining")
            { AssumesBalancedPrior = true, Settings = [.. ContrastiveSettings, "queue_size"] },

        new TrainingMethod("cmo", MethodKind.BatchMixing, "CMO (Park et al. 2022): a CutMix box of a minority-weighted batch pasted on the usual one")
            { SwitchKey = "cmo", Settings = ["cmo_prob", "cmo_beta", "cmo_start_epoch", "cmo_end_epochs"] },
        new TrainingMethod("difficulty-net", MethodKind.Reweighting, "Difficulty-Net (Sinha & Ohashi 2023): class weights meta-learnt from validation accuracy")
            { SwitchKey = "difficulty_net", Settings = ["difficulty_lr", "difficulty_lambda", "difficulty_meta"] },

        new TrainingMethod("deit-lt", MethodKind.Distillation,
            "DeiT-LT (Rangwani et al. 2024): a ViT with a distillation token whose head learns a CNN teacher's hard labels of the same augmented batch, " +
                "re-weighted from --drw-epoch")
            { SwitchKey = "distill_from", Settings = ["no_mixup_drw", "drw_epoch", "cb_beta"] },
        new TrainingMethod("sam", MethodKind.Optimizer,
            "SAM (Foret et al. 2021) as Saddle-LongTail's teachers (Rangwani et al. 2022): each step's gradient taken at the ascent point of radius --sam-rho")
            { SwitchKey = "sam_rho" },
    ];

    /// <summary>The method <paramref name="name"/> names (any case; '_' for '-'; an alias), or null.</summary>
    public static LongTailMethod? Find(string? name)
    {
        if (name is null) return null;
        var n = name.Trim().Replace('_', '-').ToLowerInvariant();
        return All.FirstOrDefault(m => m.Name == n || m.Aliases.Contains(n));
    }

    /// <summary>The methods <c>--loss</c> selects: one head's losses, the experts, the contrastive family.</summary>
    public static IEnumerable<LongTailMethod> Losses => All.Where(m => m.Kind is MethodKind.Loss or MethodKind.Experts or MethodKind.Contrastive);

    /// <summary>The methods of <paramref name="kind"/>.</summary>
    public static IEnumerable<LongTailMethod> OfKind(MethodKind kind) => All.Where(m => m.Kind == kind);

    /// <summary>The <c>--loss</c> method <paramref name="name"/> names.</summary>
    /// <exception cref="LivtException">It names none; the message lists them.</exception>
    public static LongTailMethod Loss(string name) =>
        Find(name) is { Kind: MethodKind.Loss or MethodKind.Experts or MethodKind.Contrastive } m ? m
            : throw new LivtException($"--loss {name}: unknown loss (known: {string.Join(", ", Losses.Select(m => m.Name))})");

    /// <summary>The phrase <c>--loss</c>'s help lists the methods with, by kind.</summary>
    public static string LossChoices() =>
        $"on one head, {Names(MethodKind.Loss)}; multi-expert, {Names(MethodKind.Experts)}; supervised contrastive, trained on its own " +
        $"multi-view augmentation (the BFT augmentation flags do not apply), {Names(MethodKind.Contrastive)}";

    private static string Names(MethodKind kind) =>
        string.Join(" / ", OfKind(kind).Select(m => m.Aliases.Count == 0 ? m.Name : $"{m.Name} (alias {string.Join(", ", m.Aliases)})"));
}

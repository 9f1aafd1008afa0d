using Livt.Inference;

namespace Livt.Decoupling;

/// <summary>
/// Settings of <c>livt retrain-head</c>: a second stage on a fine-tuned classifier whose encoder stays
/// frozen. Defaults are the official decoupling configs (<c>cls_crt.yaml</c>, <c>cls_lws.yaml</c>): SGD
/// with momentum 0.9, lr 0.2, weight decay 5e-4, batch 512, cosine to 0, class-balanced sampling, CE;
/// cRT 10 epochs, LWS 5. Written, resolved, to the run's <c>config.json</c> (snake_case names).
/// </summary>
public sealed record RetrainHeadOptions
{
    /// <summary>The fine-tuned classifier: its run folder or <c>model.safetensors</c>; or a pretraining run's, whose
    /// frozen encoder cRT then probes with a new linear head.</summary>
    [Setting("The fine-tuned classifier: its run folder or model.safetensors; or a livt pretrain run, whose frozen encoder --method crt probes " +
        "with a new linear head", Required = true)]
    public required string Init { get; init; }

    /// <summary>The second stage, one of <see cref="SecondStages.All"/>.</summary>
    [Setting("{MethodChoices}", Required = true)]
    public string Method { get; init; } = "crt";

    /// <summary>Training epochs of cRT / LWS; null: 10 for cRT, 5 for LWS.</summary>
    [Setting("crt/lws: epochs (default: crt 10, lws 5, as the official configs)")]
    public int? Epochs { get; init; }
    /// <summary>SGD learning rate, cosine to 0.</summary>
    [Setting("crt/lws: SGD learning rate, cosine to 0")]
    public double Lr { get; init; } = 0.2;
    /// <summary>Batch size of training the head.</summary>
    [Setting("crt/lws: batch size")]
    public int BatchSize { get; init; } = 512;
    /// <summary>SGD (L2) weight decay on the trained head parameters.</summary>
    [Setting("crt/lws: SGD weight decay")]
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>SGD momentum.</summary>
    [Setting("crt/lws: SGD momentum")]
    public double Momentum { get; init; } = 0.9;
    /// <summary>Also checkpoint every this many optimizer steps within an epoch; null: at epoch ends only.</summary>
    [Setting("crt/lws: also write a resumable checkpoint every N steps within an epoch (the last two are kept)")]
    public int? SaveEverySteps { get; init; }
    /// <summary>Loss of cRT / LWS, one of the hard-label losses of <see cref="Livt.Methods.LossFactory"/>.</summary>
    [Setting("crt/lws: loss (ce, cb-ce, bal-ce, ...; see finetune --loss)")]
    public string Loss { get; init; } = "ce";
    /// <summary>class-balanced (each class equally likely, then an image of it) | instance (every image once per epoch);
    /// class-aware, fine-tuning's earlier word, is read as class-balanced.</summary>
    [Setting("crt/lws: class-balanced (each class equally likely; class-aware is the same) | instance")]
    public string Sampler { get; init; } = "class-balanced";
    /// <summary>cRT: start from the fine-tuned head instead of a freshly initialised one (weight
    /// balancing's second stage does).</summary>
    [Setting("crt: start from the fine-tuned head instead of a new one (weight balancing's stage 2)")]
    public bool KeepHead { get; init; }
    /// <summary>cRT: MaxNorm threshold t; after every step each class weight vector is projected onto
    /// ‖w_c‖ ≤ min + t·(max − min) of the fine-tuned head's norms. Null: no constraint.</summary>
    [Setting("crt: MaxNorm threshold t: after every step cap each ||w_c|| at min + t(max - min) of the fine-tuned head's norms")]
    public double? MaxNorm { get; init; }
    /// <summary>τ-norm: the exponent; null chooses it on the validation split over 0, 0.1, …, 2.</summary>
    [Setting("tau-norm: the exponent, or auto to choose it on the validation split over 0, 0.1, ..., 2", NullWord = "auto")]
    public double? Tau { get; init; }
    /// <summary>τ-norm: keep the head's bias (the official code scores with the normalised weights alone).</summary>
    [Setting("tau-norm: keep the head's bias (the official code drops it)")]
    public bool KeepBias { get; init; }

    /// <summary>Fraction of each class's training images held out for validation, split with the seed
    /// and rule fine-tuning uses, so the same fraction holds out the same images. Null: the fine-tuning
    /// run's own <c>val_fraction</c> when its config.json says, else 0.1 when τ is chosen on validation,
    /// else none.</summary>
    [Setting("Hold out this fraction of each class for validation, split as finetune does (default: the fine-tuning run's, else 0.1 for --tau " +
        "auto, else none)")]
    public double? ValFraction { get; init; }
    /// <summary>A list file of validation images (<c>relative/path label</c> under the data root, e.g.
    /// ImageNet_LT_val.txt) to use instead of a held-out fraction.</summary>
    [Setting("A list file of validation images under the data root (e.g. ImageNet_LT_val.txt) instead of a held-out fraction")]
    public string? ValList { get; init; }

    // --- data (default: what the fine-tuning run used, from the model's metadata and its config.json) ---
    /// <summary>Dataset root.</summary>
    [Setting("Dataset root (default: the fine-tuning run's)")]
    public string? DataDir { get; init; }
    /// <summary>The training list file of a list dataset.</summary>
    [Setting("List file (--dataset list; default: the fine-tuning run's)")]
    public string? TrainList { get; init; }
    /// <summary>The test list file of a list dataset.</summary>
    [Setting("List file of the test split (default: the fine-tuning run's)")]
    public string? TestList { get; init; }

    // --- run ---
    /// <summary>Batch size of feature extraction and scoring.</summary>
    [Setting("Batch size of feature extraction")]
    public int EvalBatchSize { get; init; } = 256;
    /// <summary>The precision the encoder computes the features in; the head always trains in fp32.</summary>
    [Setting("fp32 | bf16 | auto: precision of the feature extraction (auto: bf16 where the device has it natively); the head trains in fp32")]
    public string Precision { get; init; } = "fp32";
    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default (all cores).</summary>
    [Setting("libtorch threads (default: all cores)")]
    public int Threads { get; init; }
    /// <summary>Loader threads; 0 = <see cref="Data.DataLoader.DefaultWorkers"/>.</summary>
    [Setting(FlagHelp.Workers)]
    public int Workers { get; init; }
    /// <summary>cpu, cuda or cuda:N.</summary>
    [Setting(FlagHelp.Device)]
    public string Device { get; init; } = "cpu";
    /// <summary>Run folder; null: runs/retrain-head-&lt;method&gt;-&lt;time&gt;.</summary>
    [Setting("Run folder (default: runs/retrain-head-<method>-<time>)")]
    public string? Out { get; init; }

    /// <summary><see cref="Method"/>'s help: each second stage with its line.</summary>
    public static string MethodChoices => SecondStages.Help();

    /// <summary>These options with <see cref="Sampler"/> in its current word: fine-tuning's sampler words name the same
    /// samplers here (class-aware is class-balanced); the runner refuses the ones a second stage does not offer.</summary>
    internal RetrainHeadOptions WithSamplerWord() =>
        Sampler.Trim().Replace('_', '-').ToLowerInvariant() switch
        {
            "class-balanced" or "class-aware" => this with { Sampler = "class-balanced" },
            "instance" => this with { Sampler = "instance" },
            _ => this,
        };

    /// <summary>The flags given that belong to one second stage (<see cref="SecondStage.Flags"/>).</summary>
    internal IEnumerable<string> StageFlagsGiven()
    {
        if (KeepHead) yield return "--keep-head";
        if (MaxNorm is not null) yield return "--max-norm";
        if (Tau is not null) yield return "--tau";
        if (KeepBias) yield return "--keep-bias";
    }
}

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
    public required string Init { get; init; }

    /// <summary>The second stage, one of <see cref="SecondStages.All"/>.</summary>
    public string Method { get; init; } = "crt";

    /// <summary>Training epochs of cRT / LWS; null: 10 for cRT, 5 for LWS.</summary>
    public int? Epochs { get; init; }
    public double Lr { get; init; } = 0.2;
    public int BatchSize { get; init; } = 512;
    /// <summary>SGD (L2) weight decay on the trained head parameters.</summary>
    public double WeightDecay { get; init; } = 5e-4;
    public double Momentum { get; init; } = 0.9;
    /// <summary>Loss of cRT / LWS, one of the hard-label losses of <see cref="Livt.Methods.LossFactory"/>.</summary>
    public string Loss { get; init; } = "ce";
    /// <summary>class-balanced (each class equally likely, then an image of it) | instance (every image once per epoch).</summary>
    public string Sampler { get; init; } = "class-balanced";
    /// <summary>cRT: start from the fine-tuned head instead of a freshly initialised one (weight
    /// balancing's second stage does).</summary>
    public bool KeepHead { get; init; }
    /// <summary>cRT: MaxNorm threshold t; after every step each class weight vector is projected onto
    /// ‖w_c‖ ≤ min + t·(max − min) of the fine-tuned head's norms. Null: no constraint.</summary>
    public double? MaxNorm { get; init; }
    /// <summary>τ-norm: the exponent; null chooses it on the validation split over 0, 0.1, …, 2.</summary>
    public double? Tau { get; init; }
    /// <summary>τ-norm: keep the head's bias (the official code scores with the normalised weights alone).</summary>
    public bool KeepBias { get; init; }

    /// <summary>Fraction of each class's training images held out for validation, split with the seed
    /// and rule fine-tuning uses, so the same fraction holds out the same images. Null: the fine-tuning
    /// run's own <c>val_fraction</c> when its config.json says, else 0.1 when τ is chosen on validation,
    /// else none.</summary>
    public double? ValFraction { get; init; }
    /// <summary>A list file of validation images (<c>relative/path label</c> under the data root, e.g.
    /// ImageNet_LT_val.txt) to use instead of a held-out fraction.</summary>
    public string? ValList { get; init; }

    // --- data (default: what the fine-tuning run used, from the model's metadata and its config.json) ---
    public string? DataDir { get; init; }
    public string? TrainList { get; init; }
    public string? TestList { get; init; }

    // --- run ---
    /// <summary>Batch size of feature extraction and scoring.</summary>
    public int EvalBatchSize { get; init; } = 256;
    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default (all cores).</summary>
    public int Threads { get; init; }
    /// <summary>Loader threads; 0 = <see cref="Data.DataLoader.DefaultWorkers"/>.</summary>
    public int Workers { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>Run folder; null: runs/retrain-head-&lt;method&gt;-&lt;time&gt;.</summary>
    public string? Out { get; init; }

    /// <summary>The flags given that belong to one second stage (<see cref="SecondStage.Flags"/>).</summary>
    internal IEnumerable<string> StageFlagsGiven()
    {
        if (KeepHead) yield return "--keep-head";
        if (MaxNorm is not null) yield return "--max-norm";
        if (Tau is not null) yield return "--tau";
        if (KeepBias) yield return "--keep-bias";
    }
}

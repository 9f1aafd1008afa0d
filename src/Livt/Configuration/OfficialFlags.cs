namespace Livt.Configuration;

/// <summary>
/// A flag of the official LiVT and MAE scripts (<c>main_pretrain.py</c>, <c>main_finetune.py</c>), of
/// timm's <c>train.py</c>, or of DeiT-LT's <c>main.py</c> and its teachers' SAM scripts that is not spelt as a
/// livt flag, and what livt does with it. (A flag spelt in snake_case, <c>--batch_size</c>, is taken as the livt
/// flag in kebab-case, <c>--batch-size</c>, by a general rule; only the others are listed.)
/// </summary>
/// <param name="Flag">The flag as the official code spells it.</param>
/// <param name="Origin">Where it comes from: LiVT, MAE, timm.</param>
/// <param name="Livt">What it becomes: the livt flag (its value follows as typed, e.g. <c>--data-dir</c>),
/// a flag with its value (<c>--global-pool token</c>), the empty string (accepted, no effect), or null
/// (refused).</param>
/// <param name="Note">Why, for the docs and, when refused or given a value livt does not implement, for
/// the error message.</param>
public sealed record OfficialFlag(string Flag, string Origin, string? Livt, string Note)
{
    /// <summary>The one value livt implements, for a flag accepted only with that value (timm's
    /// <c>--remode pixel</c>); the flag and its value are then dropped.</summary>
    public string? OnlyValue { get; init; }
}

/// <summary>The official spellings livt accepts or refuses with its own name (<see cref="OfficialFlag"/>).</summary>
public static class OfficialFlags
{
    private const string Processes = "livt starts one process per mpirun/srun rank: `mpirun -np N livt ...` (docs/SCALING.md)";
    private const string Classes = "livt takes the number of classes from the dataset (class folders or the list file's labels): drop it";

    /// <summary>Every listed flag, LiVT's and MAE's first, then timm's, then DeiT-LT's.</summary>
    public static IReadOnlyList<OfficialFlag> All { get; } =
    [
        new("--data_path", "LiVT, MAE", "--data-dir", "the dataset root"),
        new("--finetune", "LiVT, MAE", "--init", "the MGP checkpoint to fine-tune from (a .pth is read directly)"),
        new("--output_dir", "MAE", "--out", "the run folder: weights, config.json, log.jsonl and the report"),
        new("--ckpt_dir", "LiVT", "--out", "the run folder: weights, config.json, log.jsonl and the report"),
        new("--num_workers", "LiVT, MAE", "--workers", "data-loader threads"),
        new("--adamW2", "LiVT", "--beta2", "AdamW's second beta"),
        new("--imbf", "LiVT", "--imbalance", "the imbalance factor of the CIFAR-LT sets (100 = IF 100)"),
        new("--cls_token", "LiVT, MAE", "--global-pool token", "classify from the cls token"),
        new("--global_pool", "LiVT, MAE", "--global-pool avg", "average the patch tokens (the default)"),
        new("--dist_eval", "LiVT, MAE", "", "evaluation is always shared among the processes of a job"),
        new("--pin_mem", "LiVT, MAE", "", "no pinned host memory on the CPU path"),
        new("--no_pin_mem", "LiVT, MAE", "", "no pinned host memory on the CPU path"),
        new("--remode", "LiVT, MAE, timm", "", "RandomErasing fills with per-pixel normal noise only") { OnlyValue = "pixel" },
        new("--recount", "LiVT, MAE, timm", "", "RandomErasing erases one box") { OnlyValue = "1" },
        new("--mixup_mode", "LiVT, MAE, timm", "", "Mixup/CutMix draws one mixing for the whole batch") { OnlyValue = "batch" },
        new("--nb_classes", "LiVT, MAE", null, Classes),
        new("--log_dir", "LiVT, MAE", null, "livt writes its log (log.jsonl) and report into the run folder: use --out"),
        new("--color_jitter", "LiVT, MAE, timm", null, "livt has no colour jitter in fine-tuning (timm ignores it when --aa is on, as in LiVT's " +
            "recipes): drop it"),
        new("--cutmix_minmax", "LiVT, MAE, timm", null, "CutMix boxes come from --cutmix's Beta distribution only"),
        new("--resplit", "LiVT, MAE, timm", null, "livt has no augmentation splits: drop it"),
        new("--start_epoch", "LiVT, MAE", null, "a resumed run continues from its checkpoint's epoch: use --resume RUN_FOLDER"),
        new("--eval", "LiVT, MAE", null, "evaluation is its own command: livt evaluate MODEL"),
        new("--attn_only", "LiVT", null, "livt fine-tunes every parameter: drop it"),
        new("--prit", "LiVT", null, "livt prints progress every few seconds: drop it"),
        new("--world_size", "LiVT, MAE", null, Processes),
        new("--local_rank", "LiVT, MAE", null, Processes),
        new("--dist_on_itp", "LiVT, MAE", null, Processes),
        new("--dist_url", "LiVT, MAE", null, Processes),
        new("-b", "timm", "--batch-size", "batch size per process"),
        new("-j", "timm", "--workers", "data-loader threads"),
        new("--img-size", "timm", "--input-size", "input size in pixels"),
        new("--initial-checkpoint", "timm", "--init", "the checkpoint to fine-tune from"),
        new("--grad-accum-steps", "timm", "--accum-iter", "gradient accumulation steps"),
        new("--opt", "timm", "--optimizer", "the optimizer: adamw or sgd"),
        new("--sched", "timm", "", "livt's schedule is linear warm-up then half-cycle cosine") { OnlyValue = "cosine" },
        new("--num-classes", "timm", null, Classes),
        new("--pretrained", "timm", null, "livt downloads no weights: give the checkpoint file with --init"),
        new("--lr-base", "timm", null, "timm scales it by the square root of the batch for AdamW; livt's --blr scales linearly (lr = blr x batch / 256, as " +
            "LiVT and MAE): use --blr or an absolute --lr"),
        new("--opt-betas", "timm", null, "use --beta1 B1 --beta2 B2"),
        new("--warmup-lr", "timm", null, "the warm-up starts from 0, as LiVT's and MAE's: drop it"),
        new("--scale", "timm", null, "use --scale-min MIN (the largest crop is the whole image)"),
        new("--drop", "timm", null, "livt's ViT has no dropout; --drop-path is stochastic depth"),
        new("--amp", "timm", null, "use --precision bf16 (or auto, bf16 where the hardware has it natively)"),
        new("--model-ema", "timm", null, "livt keeps no EMA of the weights"),
        new("--bce-loss", "timm", null, "use --loss bce (or bal-bce, LiVT's)"),
        new("--output", "timm", null, "livt's --out is the run folder itself, not a parent of run folders"),
        new("--teacher-path", "DeiT-LT", "--distill-from", "the teacher: a run folder or model file"),
        new("--drw", "DeiT-LT", "--drw-epoch", "the first epoch of the re-weighted distillation loss"),
        new("--weighted-distillation", "DeiT-LT", "", "the distillation loss is re-weighted from --drw-epoch on"),
        new("--distillation-type", "DeiT-LT", "", "hard distillation on the teacher's labels, as DeiT-LT's scripts") { OnlyValue = "hard" },
        new("--teacher-model", "DeiT-LT", null, "the teacher's architecture comes from its model file (--distill-from)"),
        new("--teacher-size", "DeiT-LT", null, "the teacher's input size comes from its model file; the student's batch is resized to it"),
        new("--rho", "Saddle-LongTail", "--sam-rho", "SAM's neighbourhood radius"),
    ];

    /// <summary>The row for <paramref name="flag"/> (underscores and dashes compare equal), or null.</summary>
    public static OfficialFlag? Find(string flag)
    {
        string key = Dashed(flag);
        return All.FirstOrDefault(f => Dashed(f.Flag) == key);
    }

    /// <summary>The Markdown table of <see cref="All"/>: official flag, origin, what livt does, why.</summary>
    public static string Markdown()
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine("| official flag | from | in livt | note |");
        md.AppendLine("|---|---|---|---|");
        foreach (var f in All)
        {
            string livt = f switch
            {
                { Livt: null } => "refused",
                { OnlyValue: { } only } => $"accepted as `{f.Flag} {only}` only",
                { Livt.Length: 0 } => "accepted, no effect",
                _ => $"`{f.Livt}`",
            };
            md.AppendLine($"| `{f.Flag}` | {f.Origin} | {livt} | {f.Note.Replace("|", "\\|")} |");
        }
        return md.ToString();
    }

    /// <summary>The flag with underscores as dashes, as livt spells its flags (<c>--batch_size</c> →
    /// <c>--batch-size</c>).</summary>
    public static string Dashed(string flag) => flag.Replace('_', '-');
}

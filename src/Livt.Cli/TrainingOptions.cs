using System.CommandLine;
using System.Text.Json.Nodes;

namespace Livt.Cli;

/// <summary>
/// The training flags of <c>pretrain</c>, <c>finetune</c> and <c>quickstart</c>, named as LiVT's and
/// MAE's own scripts name them (in kebab-case). Each maps to a <see cref="Livt.Training.TrainConfig"/>
/// key; only flags the user actually gave override the recipe.
/// </summary>
internal sealed class TrainingOptions
{
    private readonly List<(Option Option, string Key)> _all = [];

    public Option<string?> Config { get; } = new("--config") { Description = "Recipe: a built-in name (quickstart, imagenet-lt, inat18, places-lt, cifar10-lt, cifar100-lt) or a JSON file. Default: quickstart" };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue the run in this folder from its last completed epoch (its config.json is used)" };

    public TrainingOptions(bool includeInit)
    {
        Add<string>("--dataset", "dataset", "fashion-mnist-lt | cifar10-lt | cifar100-lt | imagefolder | list");
        Add<string>("--data-dir", "data_dir", "Dataset root (Fashion-MNIST is found in /usr/share/datasets/fashion-mnist or $LIVT_DATA without it)");
        Add<double>("--imbalance", "imbalance", "Imbalance factor n_max/n_min for the *-lt datasets (recipe: 100)");
        Add<string>("--profile", "profile", "Long-tail profile: exp | step (recipe: exp)");
        Add<string>("--train-list", "train_list", "List file of 'relative/path label' lines (--dataset list)");
        Add<string>("--test-list", "test_list", "List file for the test split (--dataset list)");
        Add<bool>("--skip-corrupt", "skip_corrupt", "Skip unreadable images (counted and reported) instead of stopping");
        Add<double>("--val-fraction", "val_fraction", "Hold out this fraction of each class for validation (best checkpoint chosen on it, never on test)");
        Add<string>("--model", "model", "Model preset (default: vit_quick_patch4_28; see README)");
        Add<int>("--input-size", "input_size", "Input size in pixels (overrides the preset)");
        Add<int>("--patch-size", "patch_size", "Patch size (overrides the preset)");
        Add<int>("--embed-dim", "embed_dim", "Embedding dimension (overrides the preset)");
        Add<int>("--depth", "depth", "Transformer blocks (overrides the preset)");
        Add<int>("--num-heads", "num_heads", "Attention heads (overrides the preset)");
        Add<int>("--decoder-embed-dim", "decoder_embed_dim", "MAE decoder dimension (overrides the preset)");
        Add<int>("--decoder-depth", "decoder_depth", "MAE decoder blocks (overrides the preset)");
        Add<int>("--decoder-num-heads", "decoder_num_heads", "MAE decoder heads (overrides the preset)");
        Add<double>("--drop-path", "drop_path", "Drop-path rate (fine-tuning)");
        Add<string>("--attention", "attention", "Attention kernel: manual | fused (manual is faster at small shapes, see bench)");
        Add<int>("--epochs", "epochs", "Training epochs");
        Add<double>("--warmup-epochs", "warmup_epochs", "Linear warm-up epochs");
        Add<int>("--steps-per-epoch", "steps_per_epoch", "Cap on steps per epoch (smoke tests)");
        Add<int>("--batch-size", "batch_size", "Batch size per step");
        Add<int>("--accum-iter", "accum_iter", "Gradient accumulation steps (effective batch = batch-size x accum-iter)");
        Add<double>("--blr", "blr", "Base learning rate: lr = blr x effective batch / 256");
        Add<double>("--lr", "lr", "Absolute learning rate (overrides --blr)");
        Add<double>("--min-lr", "min_lr", "Learning rate at the end of the cosine");
        Add<double>("--weight-decay", "weight_decay", "AdamW weight decay");
        Add<double>("--layer-decay", "layer_decay", "Layer-wise learning-rate decay (fine-tuning)");
        Add<double>("--beta1", "beta1", "AdamW beta1");
        Add<double>("--beta2", "beta2", "AdamW beta2 (MGP 0.95, BFT 0.99 in the paper)");
        Add<double>("--clip-grad", "clip_grad", "Clip the gradient norm to this value");
        Add<double>("--mask-ratio", "mask_ratio", "MGP: fraction of patches removed");
        Add<bool>("--norm-pix-loss", "norm_pix_loss", "MGP: normalise target patches");
        Add<string>("--loss", "loss", "BFT loss: bal-bce | bce | ce | ls-ce | bal-ce | cb-ce | cb-bce | ldam | mislas | lade | focal");
        Add<double>("--bal-tau", "bal_tau", "Bal-BCE / Bal-CE margin scale tau");
        Add<double>("--mixup", "mixup", "Mixup alpha (0 disables)");
        Add<double>("--cutmix", "cutmix", "CutMix alpha (0 disables)");
        Add<double>("--mixup-prob", "mixup_prob", "Probability of mixing a batch");
        Add<double>("--mixup-switch-prob", "mixup_switch_prob", "Probability of CutMix rather than Mixup when both are on");
        Add<double>("--smoothing", "smoothing", "Label smoothing");
        Add<double>("--reprob", "reprob", "RandomErasing probability");
        Add<string>("--aa", "rand_augment", "RandAugment spec, timm style (rand-m9-mstd0.5-inc1); 'none' disables");
        Add<double>("--scale-min", "scale_min", "RandomResizedCrop minimum area fraction");
        if (includeInit)
        {
            var init = Add<string>("--init", "init", "MGP checkpoint (model.safetensors or its run folder) to fine-tune from");
            init.Aliases.Add("--finetune");
        }
        Add<int>("--seed", "seed", "Random seed (data subset, initialisation, order, augmentation)");
        Add<int>("--threads", "threads", "libtorch threads (default: all cores)");
        Add<int>("--workers", "workers", "Data-loader threads (default: one per core)");
        Add<string>("--device", "device", "cpu | cuda | cuda:N");
        Add<string>("--precision", "precision", "fp32 | bf16: bf16 compute with fp32 master weights; needs native bf16 (AVX-512 BF16/AMX CPU or a GPU), many times slower on AVX2-only CPUs");
        Add<string>("--out", "out", "Run folder (default: runs/<stage>-<time>)");
        Add<int>("--eval-every", "eval_every", "Validate every N epochs (with --val-fraction)");
        Add<bool>("--save-best", "save_best", "Keep best.safetensors, chosen on the validation split");
    }

    private Option<T> Add<T>(string name, string key, string description)
    {
        var option = new Option<T>(name) { Description = description };
        _all.Add((option, key));
        return option;
    }

    /// <summary>
    /// Adds the options to <paramref name="command"/>: all of them for a stage command; for
    /// <c>quickstart</c> (<paramref name="stageOnly"/> false) neither --config/--resume nor the flags
    /// that name one stage's run (--out, --epochs), which it replaces with its own.
    /// </summary>
    public void AddTo(Command command, bool stageOnly = true)
    {
        if (stageOnly)
        {
            command.Add(Config);
            command.Add(Resume);
        }
        foreach (var (option, key) in _all)
            if (stageOnly || key is not ("out" or "epochs"))
                command.Add(option);
    }

    /// <summary>The flags the user gave, as config keys and JSON values.</summary>
    public JsonObject Overrides(ParseResult parse)
    {
        var result = new JsonObject();
        foreach (var (option, key) in _all)
        {
            if (parse.GetResult(option) is not { Implicit: false }) continue;
            object? value = option switch
            {
                Option<string> s => parse.GetValue(s),
                Option<int> i => parse.GetValue(i),
                Option<double> d => parse.GetValue(d),
                Option<bool> b => parse.GetValue(b),
                _ => throw new InvalidOperationException(option.Name),
            };
            result[key] = key == "rand_augment" && value is "none" ? null : System.Text.Json.JsonSerializer.SerializeToNode(value);
        }
        return result;
    }
}

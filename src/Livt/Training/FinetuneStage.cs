using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Losses;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>
/// BFT as a stage of <see cref="Trainer"/>: Mixup/CutMix (seeded per step) folded into soft targets,
/// the long-tail loss on fp32 logits (a multi-expert model's loss gets every expert's), and at the end of an epoch validation and the best-model choice.
/// </summary>
internal sealed class FinetuneStage : ITrainingStage
{
    private readonly ClassifierModel _model;
    private readonly ClassifierModel _compute;
    private readonly MixedPrecision? _precision;
    private readonly LongTailLoss _loss;
    private readonly TrainConfig _config;
    private readonly Device _device;
    private readonly Func<int, (double? Top1, double? Balanced)> _validate;
    private readonly int _numClasses;

    private readonly CmoMix? _cmo;
    private readonly AlignedBatches? _foreground;
    private readonly DifficultyNetTraining? _difficulty;

    /// <summary>With <c>--cmo</c>, <paramref name="foreground"/> is the minority-weighted loader whose batch of
    /// the same step gives the pasted patches; with <c>--difficulty-net</c>, <paramref name="difficulty"/> is the
    /// meta-learner whose class weights scale the loss.</summary>
    public FinetuneStage(ClassifierModel model, MixedPrecision? precision, LongTailLoss loss, TrainConfig config, Device device,
        int numClasses, Func<int, (double? Top1, double? Balanced)> validate, AlignedBatches? foreground = null,
        DifficultyNetTraining? difficulty = null)
    {
        (_model, _precision, _loss, _config, _device, _numClasses, _validate) = (model, precision, loss, config, device, numClasses, validate);
        _difficulty = difficulty;
        _compute = (ClassifierModel?)precision?.Work ?? model;
        if (foreground is not null)
        {
            _foreground = foreground;
            _cmo = new CmoMix(numClasses, config.Epochs, config.CmoProb, config.CmoBeta, config.CmoStartEpoch, config.CmoEndEpochs, config.Smoothing);
        }
    }

    public string Name => "finetune";
    public nn.Module Model => _model;
    public MixedPrecision? Precision => _precision;
    public double? BestMetric { get; set; }

    public void BeginEpoch(int epoch) => _loss.SetEpoch(epoch);

    public IReadOnlyList<string> SaveState(string dir) => _difficulty?.SaveState(dir) ?? [];

    public void LoadState(string dir) => _difficulty?.LoadState(dir);

    public Tensor Loss(Batch batch, StepContext step)
    {
        _compute.DropPathGenerator = step.Generator;
        var images = batch.Images.to(_device);
        var labels = batch.Labels.to(_device);
        // fp32 images in (a bf16 working copy casts them in its patch embedding); logits back to fp32,
        // as autocast computes a loss in full precision. A multi-expert model gives every expert's.
        Tensor Logits(Tensor x) => _compute.TrainingOutput(x).to(ScalarType.Float32);
        if (_cmo is not null && _cmo.ActiveAt(step.Epoch)) return CmoLoss(images, labels, step, Logits);
        if (!_loss.AcceptsSoftTargets) return _loss.Forward(Logits(images), labels);
        var (mixed, targets, _) = Mixer(_config, _numClasses, step).Apply(images, labels);
        if (_difficulty is not null) return _difficulty.Loss((VisionTransformer)_compute, mixed, targets,
            step.GlobalStep); // --difficulty-net needs ce or bal-ce: one head
        return _loss.Forward(Logits(mixed), targets);
    }

    /// <summary>The step's Mixup/CutMix with label smoothing (smoothing only, when both are off), seeded from its position.</summary>
    internal static MixupCutmix Mixer(TrainConfig config, int numClasses, StepContext step) =>
        new(config.Mixup, config.Cutmix, config.MixupSwitchProb, config.MixupProb, config.Smoothing, numClasses,
            Seeds.DeriveInt(config.Seed, step.RandomPosition, Seeds.Stream.Mixup));

    /// <summary>
    /// CMO inside its window (the official loop draws the minority batch only there): the foreground is the
    /// minority-weighted loader's batch at this step's position, <see cref="CmoMix"/> pastes its box and mixes
    /// the targets by area. A loss that takes soft targets gets λ·y_bg + (1 − λ)·y_fg; a hard-label loss
    /// gets the official λ·ℓ(y_bg) + (1 − λ)·ℓ(y_fg).
    /// </summary>
    private Tensor CmoLoss(Tensor images, Tensor labels, StepContext step, Func<Tensor, Tensor> logits)
    {
        using var foreground = _foreground!.Take(step.Epoch, step.Step);
        // An unreadable image skipped (--skip-corrupt) can leave the foreground short: that step is not mixed.
        bool covers = foreground.Count >= images.shape[0];
        var rng = new Random(Seeds.DeriveInt(_config.Seed, step.RandomPosition, Seeds.Stream.Mixup));
        var fgImages = covers ? foreground.Images.to(_device) : images;
        var fgLabels = covers ? foreground.Labels.to(_device) : labels;
        var (mixed, targets, lambda) = covers
            ? _cmo!.Apply(images, labels, fgImages, fgLabels, step.Epoch, rng)
            : (images, SoftTargets.OneHot(labels, _numClasses, _config.Smoothing), 1.0);
        var z = logits(mixed);
        if (_loss.AcceptsSoftTargets) return _loss.Forward(z, targets);
        var loss = _loss.Forward(z, labels);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar a = lambda, b = 1 - lambda, one = 1;
        return lambda >= 1 ? loss : (loss * a).add(_loss.Forward(z, fgLabels.narrow(0, 0, labels.shape[0])) * b, one);
    }

    public (double? Top1, double? Balanced) EndEpoch(int epoch) => _validate(epoch);
}

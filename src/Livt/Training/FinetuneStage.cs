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

    public FinetuneStage(ClassifierModel model, MixedPrecision? precision, LongTailLoss loss, TrainConfig config, Device device,
        int numClasses, Func<int, (double? Top1, double? Balanced)> validate)
    {
        (_model, _precision, _loss, _config, _device, _numClasses, _validate) = (model, precision, loss, config, device, numClasses, validate);
        _compute = (ClassifierModel?)precision?.Work ?? model;
    }

    public string Name => "finetune";
    public nn.Module Model => _model;
    public MixedPrecision? Precision => _precision;
    public double? BestMetric { get; set; }

    public void BeginEpoch(int epoch) => _loss.SetEpoch(epoch);

    public Tensor Loss(Batch batch, StepContext step)
    {
        _compute.DropPathGenerator = step.Generator;
        var images = batch.Images.to(_device);
        var labels = batch.Labels.to(_device);
        // fp32 images in (a bf16 working copy casts them in its patch embedding); logits back to fp32,
        // as autocast computes a loss in full precision. A multi-expert model gives every expert's.
        Tensor Logits(Tensor x) => _compute.TrainingOutput(x).to(ScalarType.Float32);
        if (!_loss.AcceptsSoftTargets) return _loss.Forward(Logits(images), labels);
        var mixer = new MixupCutmix(_config.Mixup, _config.Cutmix, _config.MixupSwitchProb, _config.MixupProb,
            _config.Smoothing, _numClasses, Seeds.DeriveInt(_config.Seed, step.RandomPosition, Seeds.Stream.Mixup));
        var (mixed, targets, _) = mixer.Apply(images, labels);
        return _loss.Forward(Logits(mixed), targets);
    }

    public (double? Top1, double? Balanced) EndEpoch(int epoch) => _validate(epoch);
}

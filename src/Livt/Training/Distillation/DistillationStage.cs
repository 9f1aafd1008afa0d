using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Distillation;

/// <summary>
/// DeiT-LT's training step (<c>engine.py</c> <c>train_one_epoch</c>) as a stage of <see cref="Trainer"/>: the
/// batch is mixed with Mixup/CutMix (seeded per step, as BFT mixes it) — from <c>--drw-epoch</c> on, with
/// <c>--no-mixup-drw</c>, it is not, and the class head gets the hard labels; the teacher labels the very
/// images the student sees; the student's class and distillation heads go into <see cref="DistillationLoss"/>,
/// its distillation term re-weighted per class from <c>--drw-epoch</c> on.
/// </summary>
internal sealed class DistillationStage : ITrainingStage
{
    private readonly DistilledVisionTransformer _model;
    private readonly ClassifierModel _compute;
    private readonly DistillationLoss _loss;
    private readonly Teacher _teacher;
    private readonly TrainConfig _config;
    private readonly Device _device;
    private readonly int _numClasses;
    private readonly Func<int, (double? Top1, double? Balanced)> _validate;

    public DistillationStage(DistilledVisionTransformer model, MixedPrecision? precision, DistillationLoss loss, Teacher teacher,
        TrainConfig config, Device device, int numClasses, Func<int, (double? Top1, double? Balanced)> validate)
    {
        (_model, Precision, _loss, _teacher, _config, _device, _numClasses, _validate) =
            (model, precision, loss, teacher, config, device, numClasses, validate);
        _compute = (ClassifierModel?)precision?.Work ?? model;
    }

    /// <summary>The stage name checkpoints and logs carry.</summary>
    public const string StageName = "distill";

    public string Name => StageName;
    public nn.Module Model => _model;
    public MixedPrecision? Precision { get; }
    public double? BestMetric { get; set; }

    /// <summary>True in the deferred re-weighting phase, from <c>--drw-epoch</c> on.</summary>
    public bool Reweighting(int epoch) => _config.DrwEpoch is { } start && epoch >= start;

    public void BeginEpoch(int epoch) => _loss.ClassLoss.SetEpoch(epoch);

    public Tensor Loss(Batch batch, StepContext step)
    {
        _compute.DropPathGenerator = step.Generator;
        var images = batch.Images.to(_device);
        var labels = batch.Labels.to(_device);
        bool reweight = Reweighting(step.Epoch);
        var (input, targets) = (reweight && _config.NoMixupDrw) || !_loss.ClassLoss.AcceptsSoftTargets
            ? (images, labels)
            : Mixed(images, labels, step);
        var teacherLabels = _teacher.Labels(input);
        // fp32 images in (a bf16 working copy casts them in its patch embedding); logits back to fp32.
        var heads = _compute.TrainingOutput(input).to(ScalarType.Float32);
        return _loss.Forward(heads[.., 0], heads[.., 1], targets, teacherLabels, reweight);
    }

    private (Tensor, Tensor) Mixed(Tensor images, Tensor labels, StepContext step)
    {
        var (mixed, targets, _) = FinetuneStage.Mixer(_config, _numClasses, step).Apply(images, labels);
        return (mixed, targets);
    }

    public (double? Top1, double? Balanced) EndEpoch(int epoch) => _validate(epoch);
}

using Livt.Data;
using Livt.Engine;
using Livt.Training.Pretraining;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>Pretraining as a stage of <see cref="Trainer"/>: the loss of a batch under the run's method
/// (<see cref="IPretrainingObjective"/>), its random draws (MAE's masks) from the step's generator.</summary>
internal sealed class PretrainStage(IPretrainingObjective objective, Device device) : ITrainingStage
{
    public string Name => "pretrain";
    public nn.Module Model => objective.Model;
    public MixedPrecision? Precision => objective.Precision;
    public double? BestMetric { get; set; }

    public void BeginEpoch(int epoch) { }

    // fp32 images in: a bf16 working copy casts them itself, and pixel targets come from the exact pixels.
    public Tensor Loss(Batch batch, StepContext step) => objective.Loss(batch.Images.to(device), step);

    public (double? Top1, double? Balanced) EndEpoch(int epoch) => (null, null);
}

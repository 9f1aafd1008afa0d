using Livt.Data;
using Livt.Engine;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// Fine-tuning with a supervised contrastive method as a stage of <see cref="Trainer"/>: the batch's views
/// through the method's loss (classification and contrast as the method defines them), its state carried
/// in the stage's module so checkpoints hold it, and at the end of an epoch the mean of each loss term
/// reported and the validation of the classifier.
/// </summary>
internal sealed class ContrastiveStage : ITrainingStage
{
    private readonly ContrastiveMethod _method;
    private readonly Device _device;
    private readonly ITrainingObserver _observer;
    private readonly Func<int, (double? Top1, double? Balanced)> _validate;
    private readonly Dictionary<string, double> _partSums = new();
    private int _steps;

    public ContrastiveStage(ContrastiveMethod method, Device device, ITrainingObserver observer, Func<int, (double? Top1, double? Balanced)> validate) =>
        (_method, _device, _observer, _validate) = (method, device, observer, validate);

    public string Name => "finetune";
    public nn.Module Model => _method;
    public MixedPrecision? Precision => null;
    public double? BestMetric { get; set; }
    public int? RestartEpoch => _method.RestartEpoch;

    /// <summary>The mean of each loss term over the steps this process ran in the last epoch.</summary>
    public IReadOnlyDictionary<string, double> LastEpochTerms { get; private set; } = new Dictionary<string, double>();

    public void BeginEpoch(int epoch)
    {
        _partSums.Clear();
        _steps = 0;
        _method.BeginEpoch(epoch);
    }

    public Tensor Loss(Batch batch, StepContext step)
    {
        if (batch.Views < 2)
            throw new InvalidOperationException("a contrastive stage needs a multi-view loader (RunSetup.TrainLoader with the method's views)");
        _method.Model.Vit.DropPathGenerator = step.Generator;
        var terms = _method.Loss(batch.Images.to(_device), batch.Labels.to(_device), step);
        foreach (var (name, value) in terms.Parts) _partSums[name] = _partSums.GetValueOrDefault(name) + value;
        _steps++;
        return terms.Total;
    }

    public (double? Top1, double? Balanced) EndEpoch(int epoch)
    {
        LastEpochTerms = _partSums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(_steps, 1));
        if (_steps > 0)
            _observer.Message($"{Name} epoch {epoch + 1} loss terms (mean of {_steps} steps): " +
                string.Join(", ", LastEpochTerms.Select(kv => $"{kv.Key} {kv.Value:F4}")));
        return _validate(epoch);
    }
}

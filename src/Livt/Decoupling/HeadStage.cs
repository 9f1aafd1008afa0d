using Livt.Data;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// A second stage as a stage of the shared training loop: the head (or LWS's scaled head) maps cached
/// features to logits, the loss is the stage's long-tail loss of them, a projection (MaxNorm) follows
/// every optimizer step, and the validation features, when there are any, are scored after every epoch.
/// </summary>
internal sealed class HeadStage(string name, nn.Module<Tensor, Tensor> head, LongTailLoss loss, FeatureSet? validation, Action? afterStep)
    : ITrainingStage
{
    public string Name => name;

    public nn.Module Model => head;

    public MixedPrecision? Precision => null;

    public double? BestMetric { get; set; }

    public void BeginEpoch(int epoch) { }

    public Tensor Loss(Batch batch, StepContext step) => loss.Forward(head.call(batch.Images), batch.Labels);

    public void AfterOptimizerStep() => afterStep?.Invoke();

    public (double? Top1, double? Balanced) EndEpoch(int epoch)
    {
        if (validation is null) return (null, null);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        head.eval();
        var logits = head.call(validation.Features);
        double top1 = 100.0 * logits.argmax(1).eq(validation.Labels).to(ScalarType.Float64).mean().item<double>();
        return (top1, ValidationSearch.BalancedAccuracy(logits, validation.Labels));
    }
}

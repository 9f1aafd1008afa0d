using Livt.Interop;
using Livt.Methods;
using Livt.Tests.Models;
using Livt.Training.Distillation;
using TorchSharp;

namespace Livt.Tests.Training;

/// <summary>DeiT-LT's DistillationLoss ('hard', alpha 0.5) against losses.py and main.py transcribed in
/// fixtures/make_distillation_fixtures.py: before DRW on Mixup targets, in DRW with Mixup kept, and in DRW
/// with --no-mixup-drw (CE on the hard labels); values and gradients, float64.</summary>
public sealed class DistillationLossTests : IDisposable
{
    private readonly SafeTensorsFile _f = SafeTensors.Read(TensorAssert.Fixture("distillation", "deitlt_loss.safetensors"));

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("mixup", false)]
    [InlineData("mixup_weighted", true)]
    [InlineData("drw", true)]
    public void MatchesTheOfficialLoss(string phase, bool reweight)
    {
        var t = _f.Tensors;
        var counts = t["counts"].data<long>().ToArray();
        var loss = new DistillationLoss(LossFactory.Create("ce", counts), counts, beta: 0.9999);
        TensorAssert.Close(t["weights"], torch.tensor(loss.Weights.ToArray()), 1e-12, "class-balanced weights");

        using var scope = torch.NewDisposeScope();
        var outputs = t["outputs"].clone().requires_grad_();
        var outputsKd = t["outputs_kd"].clone().requires_grad_();
        var targets = phase == "drw" ? t["labels"] : t["soft_targets"];
        var value = loss.Forward(outputs, outputsKd, targets, t["teacher"].argmax(1), reweight);
        TensorAssert.Close(t[$"{phase}.loss"], value, 1e-12, $"{phase} loss");
        value.backward();
        TensorAssert.Close(t[$"{phase}.grad_outputs"], outputs.grad!, 1e-12, $"{phase} d/d class logits");
        TensorAssert.Close(t[$"{phase}.grad_outputs_kd"], outputsKd.grad!, 1e-12, $"{phase} d/d distillation logits");
    }
}

using Livt.Data;
using Livt.Engine;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training;

/// <summary>MGP as a stage of <see cref="Trainer"/>: the MAE loss of a batch, masking drawn from the
/// step's generator.</summary>
internal sealed class PretrainStage(MaskedAutoencoder model, MixedPrecision? precision, double maskRatio, Device device) : ITrainingStage
{
    public string Name => "pretrain";
    public nn.Module Model => model;
    public MixedPrecision? Precision => precision;
    public double? BestMetric { get; set; }

    public void BeginEpoch(int epoch) { }

    public Tensor Loss(Batch batch, StepContext step)
    {
        var compute = (MaskedAutoencoder?)precision?.Work ?? model;
        // fp32 images in: a bf16 working copy casts them itself, and the norm-pix target comes from the exact pixels.
        var images = batch.Images.to(device);
        return compute.Forward(images, maskRatio, generator: step.Generator).Loss.to(ScalarType.Float32);
    }

    public (double? Top1, double? Balanced) EndEpoch(int epoch) => (null, null);
}

using System.Diagnostics;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary><c>livt bench infer</c>: the classifier's forward in eval mode without gradients, as
/// <c>livt evaluate</c> runs it (a bf16 copy under bf16, logits back in fp32), or ONNX Runtime on the
/// exported graph.</summary>
internal sealed class InferenceBenchStep : IBenchStep
{
    private readonly Func<Tensor, Tensor> _forward;
    private readonly IDisposable? _owned;
    private readonly Device _device;
    private readonly StepTimings[] _parts = [new()];

    private InferenceBenchStep(Func<Tensor, Tensor> forward, IDisposable? owned, Device device) =>
        (_forward, _owned, _device) = (forward, owned, device);

    public IReadOnlyList<StepTimings> Parts => _parts;

    /// <summary>TorchSharp on <paramref name="model"/> (eval mode) in <paramref name="precision"/>.</summary>
    public static InferenceBenchStep TorchSharp(VisionTransformer model, PrecisionChoice precision, Device device)
    {
        model.eval();
        var bf16 = MixedPrecision.For(precision, model, null, () => new VisionTransformer(model.Config), device);
        var compute = (VisionTransformer?)bf16?.Work ?? model;
        compute.eval();
        return new InferenceBenchStep(x =>
        {
            using var noGrad = torch.no_grad();
            return compute.call(x).to(ScalarType.Float32);
        }, bf16, device);
    }

    /// <summary>ONNX Runtime on <paramref name="model"/> exported with its normalisation.</summary>
    public static InferenceBenchStep OnnxRuntime(VisionTransformer model, float[] mean, float[] std, Device device)
    {
        var ort = new OnnxRuntimeInference(model, mean, std, torch.get_num_threads());
        return new InferenceBenchStep(ort.Forward, ort, device);
    }

    public void Run(Batch batch, int index, bool timed)
    {
        var clock = Stopwatch.StartNew();
        using var logits = _forward(batch.Images.to(_device));
        _ = logits.sum().item<float>();
        if (timed) _parts[0].Add(clock.Elapsed.TotalSeconds);
    }

    public void Dispose() => _owned?.Dispose();
}

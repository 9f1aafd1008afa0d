using Livt.Interop;

namespace Livt.Inference;

/// <summary>Settings of <c>livt predict</c> (<see cref="Predictor"/>, or <see cref="OnnxClassifier"/> for a .onnx
/// file) besides the model and the images.</summary>
public sealed record PredictOptions
{
    /// <summary>Classes shown per image.</summary>
    [Setting("Classes to show per image")]
    public int TopK { get; init; } = 5;

    /// <summary>cpu, cuda or cuda:N.</summary>
    [Setting(FlagHelp.Device)]
    public string Device { get; init; } = "cpu";

    /// <summary>auto (bf16 where the device has it natively), fp32 or bf16.</summary>
    [Setting(FlagHelp.Precision)]
    public string Precision { get; init; } = "auto";

    /// <summary>What a checkpoint without Livt metadata cannot say.</summary>
    public RawCheckpointOptions Raw { get; init; } = new();
}

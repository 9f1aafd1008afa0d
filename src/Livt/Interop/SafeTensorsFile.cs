using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>The tensors and string metadata of one safetensors file (see <see cref="WeightsFile"/>).</summary>
public sealed class SafeTensorsFile : WeightsFile
{
    internal SafeTensorsFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) : base(tensors, metadata) { }
}

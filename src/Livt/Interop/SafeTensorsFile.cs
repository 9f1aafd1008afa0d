using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>The tensors and string metadata of one safetensors file. Disposing it frees the tensors
/// that have not been taken out with <see cref="Take"/>.</summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    internal SafeTensorsFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata)
    {
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensors by name, on the CPU, in the file's dtypes.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>The <c>__metadata__</c> string map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Removes a tensor from this file's ownership; the caller disposes it.</summary>
    public Tensor Take(string name)
    {
        if (!_tensors.Remove(name, out var t)) throw new KeyNotFoundException($"no tensor named '{name}'");
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}

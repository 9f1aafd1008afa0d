using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>
/// Named tensors read from a weights file, on the CPU in the file's dtypes, with the file's string
/// metadata (Livt's <c>livt.*</c> keys in a Livt safetensors file; empty for a PyTorch checkpoint).
/// Disposing it frees the tensors that have not been taken out with <see cref="Take"/>.
/// </summary>
public class WeightsFile : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    internal WeightsFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata)
    {
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>
    /// Opens a safetensors file or a PyTorch checkpoint (<c>torch.save</c>'s zip format: a state dict,
    /// or MAE/LiVT's <c>{'model': …}</c>), told apart by the file's first bytes, so every place that
    /// takes weights accepts both.
    /// </summary>
    /// <exception cref="LivtException">The file is missing or is neither format, or a checkpoint
    /// Livt cannot read; the message names the file and what to do.</exception>
    public static WeightsFile Open(string path)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: file not found");
        return PyTorchCheckpoint.IsPyTorchFile(path) ? PyTorchCheckpoint.Read(path) : SafeTensors.Read(path);
    }

    /// <summary>Tensors by name, on the CPU, in the file's dtypes.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>The file's string metadata (safetensors <c>__metadata__</c>); empty when it has none.</summary>
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

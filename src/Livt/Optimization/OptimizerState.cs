using System.Globalization;
using Livt.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Optimization;

/// <summary>
/// Saves and restores a <see cref="FlatOptimizer"/>'s state for resumable training: a safetensors file with
/// each parameter's state under its name (<c>blocks.0.attn.qkv.weight.exp_avg</c>, …, as PyTorch's optimizer
/// state is keyed by parameter) and the optimizer kind and step count in the metadata. Keyed by name, the
/// file does not depend on how the store lays the parameters out. State written by TorchSharp's AdamW
/// (<c>optimizer.bin</c> of earlier run folders) is converted on load.
/// </summary>
public static class OptimizerState
{
    /// <summary>The file name of the state in a checkpoint folder.</summary>
    public const string FileName = "optimizer.safetensors";

    /// <summary>The file name TorchSharp's AdamW state was saved under.</summary>
    public const string LegacyFileName = "optimizer.bin";

    private const string Format = "livt-optimizer-1";

    /// <summary>Writes the optimizer's state to <paramref name="path"/> atomically.</summary>
    public static void Save(FlatOptimizer optimizer, string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < optimizer.Store.Buffers.Count; i++)
        {
            var b = optimizer.Store.Buffers[i];
            for (int k = 0; k < optimizer.StateNames.Count; k++)
                foreach (var s in b.Segments)
                    tensors.Add(new($"{s.Name}.{optimizer.StateNames[k]}", b.Slice(optimizer.State(i, k), s)));
        }
        try
        {
            SafeTensors.Write(path, tensors, new Dictionary<string, string>
            {
                ["format"] = Format, ["optimizer"] = optimizer.Kind, ["steps"] = optimizer.Steps.ToString(CultureInfo.InvariantCulture),
            });
        }
        finally
        {
            foreach (var t in tensors) t.Value.Dispose();
        }
    }

    /// <summary>Loads state saved by <see cref="Save"/> (or, from <see cref="LegacyFileName"/>, by TorchSharp's
    /// AdamW) into an optimizer of the same kind over the model it was saved from.</summary>
    /// <exception cref="LivtException">The file is missing, corrupt, or was saved from a different optimizer or model.</exception>
    public static void Load(FlatOptimizer optimizer, string path)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: optimizer state file not found");
        if (LegacyAdamWState.IsLegacy(path))
        {
            LegacyAdamWState.Load(optimizer, path);
            return;
        }
        SafeTensorsFile file;
        try { file = SafeTensors.Read(path); }
        catch (SafeTensorsFormatException e) { throw new LivtException($"{path}: optimizer state is corrupt ({e.Message})", e); }
        using (file)
        {
            if (!file.Metadata.TryGetValue("format", out var format) || format != Format)
                throw new LivtException($"{path}: not a Livt optimizer state file");
            if (!file.Metadata.TryGetValue("optimizer", out var kind) || kind != optimizer.Kind)
                throw new LivtException($"{path}: holds {kind ?? "an unknown"} optimizer state; this run uses {optimizer.Kind}");
            if (!file.Metadata.TryGetValue("steps", out var stepsText) || !long.TryParse(stepsText, NumberStyles.None, CultureInfo.InvariantCulture,
                out long steps))
                throw new LivtException($"{path}: the step count is missing or unreadable");
            int expected = 0;
            using var noGrad = torch.no_grad();
            for (int i = 0; i < optimizer.Store.Buffers.Count; i++)
            {
                var b = optimizer.Store.Buffers[i];
                for (int k = 0; k < optimizer.StateNames.Count; k++)
                    foreach (var s in b.Segments)
                    {
                        var key = $"{s.Name}.{optimizer.StateNames[k]}";
                        if (!file.Tensors.TryGetValue(key, out var saved))
                            throw new LivtException($"{path}: no state '{key}': it was saved from a different model");
                        using var slot = b.Slice(optimizer.State(i, k), s);
                        if (!saved.shape.SequenceEqual(slot.shape))
                            throw new LivtException($"{path}: state '{key}' is [{string.Join(", ", saved.shape)}], the parameter " +
                                $"[{string.Join(", ", slot.shape)}]: it was saved from a different model");
                        slot.copy_(saved);
                        expected++;
                    }
            }
            if (file.Tensors.Count != expected)
                throw new LivtException($"{path}: holds {file.Tensors.Count} state tensors, this model needs {expected}: it was saved from a different model");
            optimizer.Steps = steps;
        }
    }
}

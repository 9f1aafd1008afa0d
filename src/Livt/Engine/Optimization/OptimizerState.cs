using Livt.Interop;
using TorchSharp;
using TorchSharp.Modules;

namespace Livt.Engine.Optimization;

/// <summary>Saves and restores an optimizer's state (per-group hyper-parameters, step counts, moments)
/// for resumable training, in TorchSharp's optimizer format.</summary>
public static class OptimizerState
{
    /// <summary>Writes the optimizer's state to <paramref name="path"/> atomically.</summary>
    public static void Save(torch.optim.Optimizer optimizer, string path)
    {
        var helper = AsHelper(optimizer);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            helper.save_state_dict(writer);
        });
    }

    /// <summary>Loads state saved by <see cref="Save"/> into an optimizer built the same way (same
    /// type, groups and parameter shapes) over the model it was saved from.</summary>
    /// <exception cref="LivtException">The file is missing, truncated, or was saved from a different
    /// optimizer or model.</exception>
    public static void Load(torch.optim.Optimizer optimizer, string path)
    {
        var helper = AsHelper(optimizer);
        if (!File.Exists(path)) throw new LivtException($"{path}: optimizer state file not found");
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            helper.load_state_dict(reader);
            if (stream.Position != stream.Length)
                throw new LivtException($"{path}: {stream.Length - stream.Position} bytes left after the optimizer state; it was saved from a different optimizer or model");
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or FormatException)
        {
            throw new LivtException($"{path}: optimizer state does not match this optimizer or is corrupt ({e.Message})", e);
        }
    }

    /// <summary>Returns every parameter's state to what a newly built optimizer holds (step 0, zero
    /// moments), keeping the groups' hyper-parameters: re-creating the optimizer without rebuilding it.</summary>
    public static void Reset(torch.optim.Optimizer optimizer)
    {
        var states = AsHelper(optimizer).state_dict().State;
        int i = 0;
        // state_dict lists the states group by group, in the groups' parameter order.
        foreach (var group in optimizer.ParamGroups.Cast<ParamGroup>())
            foreach (var _ in group.Parameters) states[i++].Initialize(group.Options);
    }

    private static OptimizerHelper AsHelper(torch.optim.Optimizer optimizer) =>
        optimizer as OptimizerHelper
        ?? throw new ArgumentException($"{optimizer.GetType().Name} does not support state save/load", nameof(optimizer));
}

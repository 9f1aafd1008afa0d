using TorchSharp;

namespace Livt.Optimization;

/// <summary>
/// Reads optimizer state that TorchSharp's AdamW wrote (<c>optimizer.bin</c> in run folders written before
/// Livt had its own optimizer) into an <see cref="AdamW"/>: TorchSharp's reader fills a TorchSharp AdamW built
/// over the same parameter groups, whose moments are then copied into the flat state. That optimizer only
/// reads; it never steps.
/// </summary>
internal static class LegacyAdamWState
{
    /// <summary>True when the file starts as TorchSharp's optimizer state does: the optimizer's type name
    /// written by a BinaryWriter (a one-byte length, then "AdamW").</summary>
    public static bool IsLegacy(string path)
    {
        Span<byte> head = stackalloc byte[6];
        using var stream = File.OpenRead(path);
        return stream.Read(head) == 6 && head[0] == 5 && head[1..].SequenceEqual("AdamW"u8);
    }

    public static void Load(FlatOptimizer optimizer, string path)
    {
        if (optimizer is not AdamW { Decoupled: true } adamw)
            throw new LivtException($"{path}: holds TorchSharp AdamW state; this run uses {optimizer.Kind}");
        var groups = adamw.Store.Groups;
        using var legacy = new TorchSharp.Modules.AdamW(
            groups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.Parameters, 0, adamw.Beta1, adamw.Beta2, adamw.Eps, g.WeightDecay)),
            0, adamw.Beta1, adamw.Beta2, adamw.Eps);
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            legacy.load_state_dict(reader);
            if (stream.Position != stream.Length)
                throw new LivtException($"{path}: {stream.Length - stream.Position} bytes left after the optimizer state; it was saved from a different " +
                    "optimizer or model");
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or FormatException)
        {
            throw new LivtException($"{path}: optimizer state does not match this optimizer or is corrupt ({e.Message})", e);
        }
        // state_dict lists the states group by group, in each group's parameter order.
        var states = legacy.state_dict().State.Cast<TorchSharp.Modules.AdamW.State>().ToArray();
        var byParam = new Dictionary<IntPtr, TorchSharp.Modules.AdamW.State>();
        int n = 0;
        foreach (var g in groups)
            foreach (var p in g.Parameters) byParam[p.Handle] = states[n++];
        long steps = byParam.Values.Max(s => s.step);
        using var noGrad = torch.no_grad();
        for (int i = 0; i < adamw.Store.Buffers.Count; i++)
        {
            var b = adamw.Store.Buffers[i];
            foreach (var s in b.Segments)
            {
                var state = byParam[s.Param.Handle];
                using var m = b.Slice(adamw.State(i, 0), s);
                using var v = b.Slice(adamw.State(i, 1), s);
                m.copy_(state.exp_avg);
                v.copy_(state.exp_avg_sq);
            }
        }
        adamw.Steps = steps;
    }
}

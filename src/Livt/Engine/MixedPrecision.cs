using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// bf16 training with fp32 master weights (apex's O2 scheme; TorchSharp has no autocast). The model the
/// optimizer, checkpoints and evaluation see stays fp32; a second instance of the same architecture,
/// held in bfloat16, runs forward and backward. After each backward its gradients are added, in fp32,
/// into the master's (so gradient accumulation sums in fp32); after each optimizer step the master's
/// weights are copied back into it. What autocast keeps in fp32 stays fp32 here too: the working copy's
/// LayerNorms keep fp32 weights and normalise in fp32 (the models cast around them), attention's softmax
/// runs in fp32, the MAE's norm-pix target and loss are fp32, and the loss of logits is computed in fp32
/// by the caller. Faster only where bf16 matrix multiplies are native (<see cref="PrecisionPolicy"/>); on
/// an AVX2-only CPU libtorch emulates them and a step is many times slower.
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    /// <summary>The dtype of the working copy.</summary>
    public const ScalarType ComputeType = ScalarType.BFloat16;

    private readonly (Parameter Master, Parameter Work)[] _pairs;

    /// <summary>
    /// Pairs <paramref name="master"/> (fp32, on its device) with <paramref name="work"/>, a fresh instance
    /// of the same architecture on the same device, which is converted to bf16 and given the master's weights.
    /// </summary>
    public MixedPrecision(nn.Module master, nn.Module work)
    {
        work.to(ComputeType);
        foreach (var (_, module) in work.named_modules())
            if (module is LayerNorm norm) norm.to(ScalarType.Float32);
        var workByName = work.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _pairs = master.named_parameters().Select(p => workByName.TryGetValue(p.name, out var w)
                ? (p.parameter, w)
                : throw new ArgumentException($"the working copy has no parameter '{p.name}': it must be the master's architecture", nameof(work)))
            .ToArray();
        if (_pairs.Length != workByName.Count)
            throw new ArgumentException("the working copy has parameters the master lacks: it must be the master's architecture", nameof(work));
        Master = master;
        Work = work;
        PushWeights();
    }

    /// <summary>The fp32 model the optimizer steps. Held here because a module that is collected disposes
    /// its parameters, which the pairs still use (a caller may keep only the optimizer and this).</summary>
    public nn.Module Master { get; }

    /// <summary>The bf16 module that runs forward and backward.</summary>
    public nn.Module Work { get; }

    /// <summary>The bf16 working copy of <paramref name="master"/> for a resolved <paramref name="choice"/>; null
    /// for fp32. Building it leaves libtorch's global generator as it was (its initialisation is overwritten
    /// by the master's weights), so a bf16 run draws the same random numbers as an fp32 one.</summary>
    public static MixedPrecision? For(PrecisionChoice choice, nn.Module master, Func<nn.Module> create, Device device)
    {
        if (!choice.IsBf16) return null;
        using var rng = torch.get_rng_state();
        var work = create();
        torch.set_rng_state(rng);
        work.to(device);
        return new MixedPrecision(master, work);
    }

    /// <summary>Copies the master weights into the working copy (after every optimizer step and on resume).</summary>
    public void PushWeights()
    {
        using var _ = torch.no_grad();
        foreach (var (master, work) in _pairs) work.copy_(master);
    }

    /// <summary>Frees the working copy.</summary>
    public void Dispose() => Work.Dispose();

    /// <summary>Adds the working copy's gradients, as fp32, into the master's and clears them.</summary>
    public void PullGrads()
    {
        using var _ = torch.no_grad();
        foreach (var (master, work) in _pairs)
        {
            using var g = work.grad;
            if (g is null) continue;
            using var g32 = g.to(master.dtype);
            using var existing = master.grad;
            if (existing is null) master.grad = g32.clone();
            else existing.add_(g32);
            work.grad = null;
        }
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// bf16 training with fp32 master weights (apex's O2 scheme; TorchSharp has no autocast). The model the
/// optimizer, checkpoints and evaluation see stays fp32; a second instance of the same architecture,
/// held in bfloat16, runs forward and backward. After each backward its gradients are added, in fp32,
/// into the master's (so gradient accumulation sums in fp32); after each optimizer step the master's
/// weights are copied back into it. Faster only where bf16 matrix multiplies are native (AVX-512 BF16 or
/// AMX CPUs, recent GPUs); on an AVX2-only CPU libtorch emulates them and a step is many times slower.
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
        var workByName = work.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _pairs = master.named_parameters().Select(p => workByName.TryGetValue(p.name, out var w)
                ? (p.parameter, w)
                : throw new ArgumentException($"the working copy has no parameter '{p.name}': it must be the master's architecture", nameof(work)))
            .ToArray();
        if (_pairs.Length != workByName.Count)
            throw new ArgumentException("the working copy has parameters the master lacks: it must be the master's architecture", nameof(work));
        Work = work;
        PushWeights();
    }

    /// <summary>The bf16 module that runs forward and backward.</summary>
    public nn.Module Work { get; }

    /// <summary>
    /// The bf16 working copy of <paramref name="master"/> for <c>--precision bf16</c> (<paramref name="create"/>
    /// builds a fresh instance of the same architecture, moved here to <paramref name="device"/>); null for fp32.
    /// </summary>
    public static MixedPrecision? For(string precision, nn.Module master, Func<nn.Module> create, Device device)
    {
        if (!IsBf16(precision)) return null;
        var work = create();
        work.to(device);
        return new MixedPrecision(master, work);
    }

    /// <summary>The dtype inputs are cast to before the forward: bf16 with mixed precision, else fp32.</summary>
    public static ScalarType InputType(MixedPrecision? mixed) => mixed is null ? ScalarType.Float32 : ComputeType;

    /// <summary>Parses <c>--precision</c>: "fp32" (no mixed precision) or "bf16".</summary>
    public static bool IsBf16(string precision) => precision.ToLowerInvariant() switch
    {
        "fp32" => false,
        "bf16" => true,
        _ => throw new LivtException($"--precision {precision}: expected fp32 or bf16"),
    };

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

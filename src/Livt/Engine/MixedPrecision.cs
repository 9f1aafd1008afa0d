using Livt.Optimization;
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
/// <para>
/// The working copy is flat like the master's <see cref="ParameterStore"/>: the master store puts the
/// LayerNorm parameters last in each buffer (<see cref="StoreOrder"/>), so each master buffer is one bf16 range
/// and one fp32 range, each mirrored by one working buffer. Refreshing the weights is one cast-copy per range,
/// pulling the gradients one cast-add and one fill.
/// </para>
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    /// <summary>The dtype of the working copy.</summary>
    public const ScalarType ComputeType = ScalarType.BFloat16;

    private readonly Mirror[] _mirrors;
    private readonly (Parameter Master, Parameter Work)[] _others;

    /// <summary>
    /// Pairs the master model with <paramref name="work"/>, a fresh instance of the same architecture on the
    /// same device, which is converted to bf16 (its LayerNorms to fp32) and given the master's weights. For
    /// training, the master's trainable parameters live in <paramref name="store"/> (built with
    /// <see cref="StoreOrder"/>) and the working copy is laid out flat beside it; for inference
    /// (<paramref name="store"/> null) it is a plain copy.
    /// </summary>
    public MixedPrecision(nn.Module master, ParameterStore? store, nn.Module work)
    {
        work.to(ComputeType);
        foreach (var (_, module) in work.named_modules())
            if (module is LayerNorm norm) norm.to(ScalarType.Float32);
        var workByName = work.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var masterNames = master.named_parameters().Select(p => p.name).ToHashSet();
        if (!workByName.Keys.ToHashSet().SetEquals(masterNames))
            throw new ArgumentException("the working copy's parameters differ from the master's: it must be the master's architecture", nameof(work));
        Parameter Twin(string name) => workByName[name];
        _mirrors = store?.Buffers.SelectMany(b => Runs(b, Twin)).ToArray() ?? [];
        var stored = store?.Parameters.Select(p => p.Name).ToHashSet() ?? [];
        _others = master.named_parameters().Where(p => !stored.Contains(p.name)).Select(p => (p.parameter, Twin(p.name))).ToArray();
        Master = master;
        Work = work;
        PushWeights();
    }

    /// <summary>The fp32 model the optimizer steps. Held here because a module that is collected disposes
    /// its parameters, which the pairs still use (a caller may keep only the optimizer and this).</summary>
    public nn.Module Master { get; }

    /// <summary>The bf16 module that runs forward and backward.</summary>
    public nn.Module Work { get; }

    /// <summary>The order a master <see cref="ParameterStore"/> needs: parameters of LayerNorms (fp32 in the
    /// working copy) after all others.</summary>
    public static Func<string, int> StoreOrder(nn.Module master)
    {
        var norms = master.named_modules().Where(m => m.module is LayerNorm)
            .SelectMany(m => m.module.named_parameters().Select(p => m.name.Length == 0 ? p.name : $"{m.name}.{p.name}"))
            .ToHashSet(StringComparer.Ordinal);
        return name => norms.Contains(name) ? 1 : 0;
    }

    /// <summary>The bf16 working copy of <paramref name="master"/> for a resolved <paramref name="choice"/>; null
    /// for fp32. <paramref name="store"/> holds the master's trainable parameters in training, null for
    /// inference. Building it leaves libtorch's global generator as it was (its initialisation is overwritten
    /// by the master's weights), so a bf16 run draws the same random numbers as an fp32 one.</summary>
    public static MixedPrecision? For(PrecisionChoice choice, nn.Module master, ParameterStore? store, Func<nn.Module> create, Device device)
    {
        if (!choice.IsBf16) return null;
        using var rng = torch.get_rng_state();
        var work = create();
        torch.set_rng_state(rng);
        work.to(device);
        return new MixedPrecision(master, store, work);
    }

    /// <summary>Copies the master weights into the working copy (after every optimizer step and on resume).</summary>
    public void PushWeights()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var m in _mirrors) m.Data.copy_(m.Master.Data.narrow(0, m.Offset, m.Length));
        foreach (var (master, work) in _others) work.copy_(master);
    }

    /// <summary>Adds the working copy's gradients, as fp32, into the master's and clears them.</summary>
    public void PullGrads()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        // add_(Tensor) without an alpha would make TorchSharp create a temporary alpha of 1.
        using var one = 1.ToScalar();
        foreach (var m in _mirrors)
        {
            m.Master.Grad.narrow(0, m.Offset, m.Length).add_(m.Grad, one);
            m.Grad.zero_();
        }
    }

    /// <summary>Frees the working copy.</summary>
    public void Dispose()
    {
        foreach (var m in _mirrors) m.Dispose();
        Work.Dispose();
    }

    /// <summary>
    /// Splits a master buffer into its runs of one working dtype (bf16, then the fp32 LayerNorms) and lays
    /// the working parameters of each run out flat, their gradients zeroed views too.
    /// </summary>
    private static IEnumerable<Mirror> Runs(ParameterStore.FlatBuffer master, Func<string, Parameter> twin)
    {
        var segments = master.Segments;
        var runs = new List<Mirror>();
        int start = 0;
        while (start < segments.Count)
        {
            var dtype = twin(segments[start].Name).dtype;
            int end = start;
            while (end < segments.Count && twin(segments[end].Name).dtype == dtype) end++;
            if (runs.Any(r => r.Data.dtype == dtype))
                throw new ArgumentException("the master store mixes the working copy's dtypes; build it with MixedPrecision.StoreOrder");
            runs.Add(new Mirror(master, segments.Skip(start).Take(end - start).Select(s => twin(s.Name)).ToArray(),
                segments[start].Offset, segments[end - 1].Offset + segments[end - 1].Length - segments[start].Offset));
            start = end;
        }
        return runs;
    }

    /// <summary>A contiguous range of a master buffer and the working buffers that mirror it.</summary>
    private sealed class Mirror : IDisposable
    {
        public Mirror(ParameterStore.FlatBuffer master, Parameter[] work, long offset, long length)
        {
            (Master, Offset, Length) = (master, offset, length);
            using var _ = torch.no_grad();
            Data = torch.empty(length, work[0].dtype, work[0].device).DetachFromDisposeScope();
            Grad = torch.zeros(length, work[0].dtype, work[0].device).DetachFromDisposeScope();
            long at = 0;
            foreach (var p in work)
            {
                using var view = Data.narrow(0, at, p.NumberOfElements).view(p.shape);
                p.set_(view);
                using var grad = Grad.narrow(0, at, p.NumberOfElements).view(p.shape);
                p.grad = grad;
                at += p.NumberOfElements;
            }
        }

        public ParameterStore.FlatBuffer Master { get; }
        public long Offset { get; }
        public long Length { get; }
        public Tensor Data { get; }
        public Tensor Grad { get; }

        public void Dispose()
        {
            Data.Dispose();
            Grad.Dispose();
        }
    }
}

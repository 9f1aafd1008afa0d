using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Optimization;

/// <summary>
/// The trainable parameters of a model laid out flat: one contiguous buffer per dtype and device, every
/// parameter a view into it, and every gradient a view into a matching gradient buffer that backward
/// accumulates into in place (PyTorch's DDP <c>gradient_as_bucket_view</c>). The optimizer, gradient
/// averaging across processes, clipping, zeroing and the bf16 working copy then each run a few whole-buffer
/// operations per step, however many parameter tensors the model has.
/// <para>
/// Nothing else needs to know: the parameters stay the same objects (<c>set_</c> re-points their storage),
/// so <c>parameters()</c>, <c>state_dict</c>, safetensors, hooks and loading by <c>copy_</c> behave as before.
/// The one rule is that nothing may give a parameter new storage or a new <c>.grad</c> tensor after the store
/// is built (<c>module.to(…)</c>, <c>p.grad = …</c>): build the store last.
/// </para>
/// Gradients are never null, as with PyTorch 1.x's <c>zero_grad()</c> (set_to_none=False), the default of
/// the official MAE and LiVT code: a parameter unused by a step receives a zero gradient.
/// </summary>
public sealed class ParameterStore : IDisposable
{
    private readonly FlatBuffer[] _buffers;

    private ParameterStore(FlatBuffer[] buffers, IReadOnlyList<ParamGroupSpec> groups)
    {
        _buffers = buffers;
        Groups = groups;
    }

    /// <summary>
    /// Moves the parameters of <paramref name="groups"/> into flat buffers. Within a dtype and device they
    /// are ordered by <paramref name="rank"/> (of the parameter's name; 0 for all when null), then by group,
    /// then as listed, so that a caller can ask for a contiguous range (the bf16 working copy keeps its
    /// LayerNorms in fp32 and wants them together). Gradients start at zero.
    /// </summary>
    /// <exception cref="ArgumentException">No parameters, a parameter listed twice, or a non-floating dtype.</exception>
    public static ParameterStore Create(IReadOnlyList<ParamGroupSpec> groups, Func<string, int>? rank = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var members = groups.SelectMany((g, gi) => g.Names.Zip(g.Parameters, (n, p) => new Member(n, p, gi))).ToList();
        if (members.Count == 0) throw new ArgumentException("no parameter groups: the model has no trainable parameters", nameof(groups));
        if (members.Select(m => m.Param.Handle).Distinct().Count() != members.Count)
            throw new ArgumentException("a parameter appears in more than one group", nameof(groups));
        foreach (var m in members)
            if (!m.Param.is_floating_point())
                throw new ArgumentException($"parameter '{m.Name}' is {m.Param.dtype}: only floating-point parameters can be optimized", nameof(groups));
        var buffers = members
            .GroupBy(m => (m.Param.dtype, Device: m.Param.device.ToString()))
            .Select(kind => new FlatBuffer(kind.OrderBy(m => rank?.Invoke(m.Name) ?? 0).ThenBy(m => m.Group).ToArray(), groups))
            .ToArray();
        return new ParameterStore(buffers, groups);
    }

    /// <summary>The groups the store was built from (learning-rate scale and weight decay of each).</summary>
    public IReadOnlyList<ParamGroupSpec> Groups { get; }

    /// <summary>One buffer per dtype and device.</summary>
    public IReadOnlyList<FlatBuffer> Buffers => _buffers;

    /// <summary>Every stored parameter with its name, in buffer order.</summary>
    public IEnumerable<(string Name, Parameter Param)> Parameters => _buffers.SelectMany(b => b.Segments.Select(s => (s.Name, s.Param)));

    /// <summary>Total number of stored elements.</summary>
    public long NumberOfElements => _buffers.Sum(b => b.Length);

    /// <summary>Sets every gradient to zero (one fill per buffer).</summary>
    public void ZeroGrad()
    {
        foreach (var b in _buffers) b.Grad.zero_();
    }

    /// <summary>
    /// Scales the gradients so that their global L2 norm is at most <paramref name="maxNorm"/>, as
    /// <c>torch.nn.utils.clip_grad_norm_</c>: coefficient min(1, maxNorm / (norm + 1e-6)), computed and applied
    /// on the device without waiting for it. Returns the norm before clipping (a 0-d tensor).
    /// </summary>
    public Tensor ClipGradNorm(double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "must be > 0");
        using var scope = torch.NewDisposeScope();
        var device = _buffers[0].Grad.device;
        var norms = _buffers.Select(b => b.Grad.norm().to(device)).ToArray();
        var norm = norms.Length == 1 ? norms[0] : torch.stack(norms).norm();
        using var eps = 1e-6.ToScalar();
        using var max = maxNorm.ToScalar();
        using var one = 1.0.ToScalar();
        var coefficient = norm.add(eps, one).reciprocal_().mul_(max).clamp_max_(one);
        foreach (var b in _buffers) b.Grad.mul_(coefficient.to(b.Grad.dtype, b.Grad.device));
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>The gradient of every parameter, by name (views into the gradient buffers).</summary>
    public IEnumerable<(string Name, Tensor Grad)> NamedGradients() =>
        _buffers.SelectMany(b => b.Segments.Select(s => (s.Name, b.Slice(b.Grad, s))));

    /// <summary>Frees the buffers. The parameters keep their storage alive as long as they live.</summary>
    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
    }

    internal sealed record Member(string Name, Parameter Param, int Group);

    /// <summary>Where one parameter lives in its buffer.</summary>
    /// <param name="Name">The parameter's name in the model.</param>
    /// <param name="Param">The parameter (a view of <see cref="FlatBuffer.Data"/>).</param>
    /// <param name="Offset">First element in the buffer.</param>
    /// <param name="Length">Number of elements.</param>
    /// <param name="Group">Index of its group in <see cref="Groups"/>.</param>
    public sealed record Segment(string Name, Parameter Param, long Offset, long Length, int Group);

    /// <summary>
    /// One dtype's and device's parameters: values, gradients, and the per-element learning-rate scale and
    /// weight decay of their groups (built once; null where every element has the same value, which
    /// <see cref="UniformLrScale"/> and <see cref="UniformWeightDecay"/> then give).
    /// </summary>
    public sealed class FlatBuffer : IDisposable
    {
        internal FlatBuffer(Member[] members, IReadOnlyList<ParamGroupSpec> groups)
        {
            var first = members[0].Param;
            var segments = new Segment[members.Length];
            long offset = 0;
            for (int i = 0; i < members.Length; i++)
            {
                segments[i] = new Segment(members[i].Name, members[i].Param, offset, members[i].Param.NumberOfElements, members[i].Group);
                offset += segments[i].Length;
            }
            Segments = segments;
            Length = offset;
            using var noGrad = torch.no_grad();
            Data = torch.empty(Length, first.dtype, first.device).DetachFromDisposeScope();
            Grad = torch.zeros(Length, first.dtype, first.device).DetachFromDisposeScope();
            foreach (var s in segments)
            {
                using var view = Slice(Data, s);
                view.copy_(s.Param);
                s.Param.set_(view);
                using var grad = Slice(Grad, s);
                s.Param.grad = grad;
            }
            (LrScale, UniformLrScale) = PerElement(g => groups[g].LrScale);
            (WeightDecay, UniformWeightDecay) = PerElement(g => groups[g].WeightDecay);
        }

        /// <summary>The parameters' values, back to back.</summary>
        public Tensor Data { get; }

        /// <summary>The gradients, laid out as <see cref="Data"/>.</summary>
        public Tensor Grad { get; }

        /// <summary>Each element's group learning-rate scale, or null when <see cref="UniformLrScale"/> holds for all.</summary>
        public Tensor? LrScale { get; }

        /// <summary>The scale shared by every element when <see cref="LrScale"/> is null.</summary>
        public double UniformLrScale { get; }

        /// <summary>Each element's group weight decay, or null when <see cref="UniformWeightDecay"/> holds for all.</summary>
        public Tensor? WeightDecay { get; }

        /// <summary>The value shared by every element when <see cref="WeightDecay"/> is null.</summary>
        public double UniformWeightDecay { get; }

        /// <summary>The parameters in buffer order.</summary>
        public IReadOnlyList<Segment> Segments { get; }

        /// <summary>Number of elements.</summary>
        public long Length { get; }

        /// <summary>A segment's part of a buffer laid out as <see cref="Data"/>, shaped like its parameter.</summary>
        public Tensor Slice(Tensor buffer, Segment s) => buffer.narrow(0, s.Offset, s.Length).view(s.Param.shape);

        /// <summary>Frees the buffers this object holds (the parameters' views keep the values alive).</summary>
        public void Dispose()
        {
            Data.Dispose();
            Grad.Dispose();
            LrScale?.Dispose();
            WeightDecay?.Dispose();
        }

        private (Tensor?, double) PerElement(Func<int, double> valueOf)
        {
            var values = Segments.Select(s => valueOf(s.Group)).ToArray();
            if (values.All(v => v == values[0])) return (null, values[0]);
            using var noGrad = torch.no_grad();
            var t = torch.empty_like(Data).DetachFromDisposeScope();
            for (int i = 0; i < values.Length; i++)
            {
                using var value = values[i].ToScalar();
                using var part = t.narrow(0, Segments[i].Offset, Segments[i].Length);
                part.fill_(value);
            }
            return (t, 0);
        }
    }
}

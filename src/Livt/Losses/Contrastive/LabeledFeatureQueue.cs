using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// A FIFO memory of labelled keys (MoCo's queue as GPaCo, PaCo and TSC use it): each step the batch's
/// keys replace the oldest ones. It starts empty and <see cref="Keys"/> returns only filled slots (the
/// official buffers start as random vectors with random or −1 labels). Any batch size works: writes wrap
/// around the end (the official asserts that the capacity is a multiple of the batch). Training state:
/// checkpoint <see cref="State"/>.
/// </summary>
public sealed class LabeledFeatureQueue : IDisposable
{
    private readonly Tensor _keys;
    private readonly Tensor _labels;

    /// <summary>An empty queue of <paramref name="capacity"/> keys of width <paramref name="dim"/>.</summary>
    public LabeledFeatureQueue(int capacity, int dim, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the queue holds at least one key");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "keys have at least one dimension");
        _keys = torch.zeros(new long[] { capacity, dim }, dtype: dtype, device: device ?? torch.CPU);
        using Scalar empty = -1L;
        _labels = torch.full(new long[] { capacity }, empty, dtype: ScalarType.Int64, device: device ?? torch.CPU);
        Capacity = capacity;
    }

    /// <summary>Slots in the queue.</summary>
    public int Capacity { get; }

    /// <summary>Filled slots (grows to <see cref="Capacity"/>).</summary>
    public int Count { get; private set; }

    /// <summary>Next slot to write.</summary>
    public int Pointer { get; private set; }

    /// <summary>A copy of the filled keys [Count, D] (no gradient).</summary>
    public Tensor Keys => _keys[..Count].clone();

    /// <summary>A copy of the labels of the filled keys [Count].</summary>
    public Tensor Labels => _labels[..Count].clone();

    /// <summary>Writes the batch's keys over the oldest ones (detached; gathered over ranks first when
    /// <paramref name="allGather"/> is given, so every rank keeps the same queue).</summary>
    /// <param name="keys">[B, D] normalised keys.</param>
    /// <param name="labels">[B] their class ids.</param>
    /// <param name="allGather">Concatenates a tensor over all ranks in rank order; null on one process.</param>
    public void Enqueue(Tensor keys, Tensor labels, Func<Tensor, Tensor>? allGather = null)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        ContrastiveInputs.CheckMatrix(keys, nameof(keys), keys.shape[0], _keys.shape[1]);
        if (labels.dim() != 1 || labels.shape[0] != keys.shape[0])
            throw new ArgumentException($"labels must be [{keys.shape[0]}], got [{ContrastiveInputs.Shape(labels)}]", nameof(labels));
        var k = keys.detach();
        var l = labels.to(ScalarType.Int64);
        if (allGather is not null) { k = allGather(k); l = allGather(l); }
        long b = k.shape[0];
        if (b > Capacity) { k = k[(int)(b - Capacity)..]; l = l[(int)(b - Capacity)..]; b = Capacity; }
        var slotIds = new long[b];
        for (long i = 0; i < b; i++) slotIds[i] = (Pointer + i) % Capacity;
        var slots = torch.tensor(slotIds, device: _keys.device);
        _keys.index_copy_(0, slots, k.to(_keys.dtype).to(_keys.device));
        _labels.index_copy_(0, slots, l.to(_labels.device));
        Pointer = (int)((Pointer + b) % Capacity);
        Count = (int)Math.Min(Capacity, Count + b);
    }

    /// <summary>The queue as tensors for a checkpoint: <c>{prefix}keys</c> [Capacity, D],
    /// <c>{prefix}labels</c> [Capacity] (−1 for empty slots), <c>{prefix}pointer</c> [1].</summary>
    public IReadOnlyDictionary<string, Tensor> State(string prefix = "queue.") => new Dictionary<string, Tensor>
    {
        [prefix + "keys"] = _keys,
        [prefix + "labels"] = _labels,
        [prefix + "pointer"] = torch.tensor(new long[] { Pointer }),
    };

    /// <summary>Restores a queue written by <see cref="State"/>.</summary>
    /// <exception cref="LivtException">A tensor is missing or has another shape.</exception>
    public void Load(IReadOnlyDictionary<string, Tensor> state, string prefix = "queue.")
    {
        var keys = Required(state, prefix + "keys", _keys.shape);
        var labels = Required(state, prefix + "labels", _labels.shape);
        var pointer = Required(state, prefix + "pointer", new long[] { 1 });
        using var _ = torch.no_grad();
        _keys.copy_(keys);
        _labels.copy_(labels);
        Pointer = (int)pointer.to(ScalarType.Int64).item<long>();
        using Scalar empty = 0L;
        Count = (int)_labels.ge(empty).sum().item<long>();
        if (Pointer < 0 || Pointer >= Capacity)
            throw new LivtException($"queue state: {prefix}pointer = {Pointer} is outside [0, {Capacity})");
    }

    internal static Tensor Required(IReadOnlyDictionary<string, Tensor> state, string key, long[] shape)
    {
        if (!state.TryGetValue(key, out var t))
            throw new LivtException($"contrastive state: missing tensor '{key}'");
        if (!t.shape.SequenceEqual(shape))
            throw new LivtException($"contrastive state: '{key}' is [{ContrastiveInputs.Shape(t)}], expected [{string.Join(", ", shape)}]");
        return t;
    }

    public void Dispose()
    {
        _keys.Dispose();
        _labels.Dispose();
    }
}

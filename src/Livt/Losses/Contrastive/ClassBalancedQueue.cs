using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// ResCom's class-balanced queue (<c>rescom/builder.py</c>): Q slots per class, slot s belonging to class
/// s / Q, each class a ring written one key at a time in batch order (so when a class has more than Q keys
/// in a batch the last Q survive). It starts, as the official, with random unit vectors in every slot.
/// Training state: checkpoint <see cref="State"/>.
/// </summary>
public sealed class ClassBalancedQueue : IDisposable
{
    private readonly Tensor _keys;
    private readonly long[] _pointer;

    /// <summary>A queue of <paramref name="perClass"/> keys for each of <paramref name="numClasses"/>
    /// classes, filled with random unit vectors drawn with <paramref name="seed"/>.</summary>
    public ClassBalancedQueue(int numClasses, int perClass, int dim, long seed, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "at least 2 classes");
        if (perClass < 1) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "at least one key per class");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "keys have at least one dimension");
        NumClasses = numClasses;
        PerClass = perClass;
        using var generator = new Generator((ulong)seed);
        using var start = CpuRandom.Randn([(long)numClasses * perClass, dim], CPU, generator);
        _keys = torch.nn.functional.normalize(start, dim: 1).to(dtype).to(device ?? torch.CPU);
        _pointer = new long[numClasses];
    }

    /// <summary>Number of classes C.</summary>
    public int NumClasses { get; }

    /// <summary>Keys per class Q.</summary>
    public int PerClass { get; }

    /// <summary>A copy of the keys [C·Q, D], class-major (no gradient).</summary>
    public Tensor Keys => _keys.clone();

    /// <summary>The class of every slot [C·Q]: 0 (Q times), 1 (Q times), …</summary>
    public Tensor Labels
    {
        get
        {
            // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
            using Scalar start = 0L, end = (long)NumClasses, step = 1L;
            return torch.arange(start, end, step, device: _keys.device).repeat_interleave(PerClass);
        }
    }

    /// <summary>Each class's next slot (0 … Q − 1).</summary>
    public IReadOnlyList<long> Pointers => _pointer;

    /// <summary>Writes each key into its class's ring, in batch order (gathered over ranks first when
    /// <paramref name="allGather"/> is given).</summary>
    /// <param name="keys">[B, D] normalised keys (ResCom enqueues the first view's features).</param>
    /// <param name="labels">[B] their class ids.</param>
    /// <param name="allGather">Concatenates a tensor over all ranks in rank order; null on one process.</param>
    public void Enqueue(Tensor keys, Tensor labels, Func<Tensor, Tensor>? allGather = null)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        ContrastiveInputs.CheckMatrix(keys, nameof(keys), keys.shape[0], _keys.shape[1]);
        var k = keys.detach();
        var l = ContrastiveInputs.CheckLabels(labels, k.shape[0], NumClasses, nameof(labels), k.device);
        if (allGather is not null) { k = allGather(k); l = allGather(l); }
        var ids = l.cpu().data<long>().ToArray();
        // The official writes one key at a time; the last writer of a slot wins.
        var writer = new Dictionary<long, long>();
        for (long i = 0; i < ids.Length; i++)
        {
            long c = ids[i];
            writer[c * PerClass + _pointer[c]] = i;
            _pointer[c] = (_pointer[c] + 1) % PerClass;
        }
        if (writer.Count == 0) return;
        var slots = torch.tensor(writer.Keys.ToArray(), device: _keys.device);
        var rows = torch.tensor(writer.Values.ToArray(), device: k.device);
        _keys.index_copy_(0, slots, k.index_select(0, rows).to(_keys.dtype).to(_keys.device));
    }

    /// <summary>The queue as tensors for a checkpoint: <c>{prefix}keys</c> [C·Q, D], <c>{prefix}pointers</c> [C].</summary>
    public IReadOnlyDictionary<string, Tensor> State(string prefix = "queue.") => new Dictionary<string, Tensor>
    {
        [prefix + "keys"] = _keys,
        [prefix + "pointers"] = torch.tensor(_pointer),
    };

    /// <summary>Restores a queue written by <see cref="State"/>.</summary>
    /// <exception cref="LivtException">A tensor is missing, has another shape, or a pointer is out of range.</exception>
    public void Load(IReadOnlyDictionary<string, Tensor> state, string prefix = "queue.")
    {
        var keys = LabeledFeatureQueue.Required(state, prefix + "keys", _keys.shape);
        var pointers = LabeledFeatureQueue.Required(state, prefix + "pointers", new long[] { NumClasses })
            .to(ScalarType.Int64).cpu().data<long>().ToArray();
        if (pointers.Any(p => p < 0 || p >= PerClass))
            throw new LivtException($"class-balanced queue state: {prefix}pointers must lie in [0, {PerClass})");
        using var _ = torch.no_grad();
        _keys.copy_(keys);
        pointers.CopyTo(_pointer, 0);
    }

    public void Dispose() => _keys.Dispose();
}

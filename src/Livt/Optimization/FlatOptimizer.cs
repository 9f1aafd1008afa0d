using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Optimization;

/// <summary>
/// An optimizer over a <see cref="ParameterStore"/>: each step is a handful of operations on whole buffers,
/// whatever the number of parameter tensors, and every number it hands to libtorch is a Scalar it holds for
/// the whole call (a temporary Scalar that the garbage collector finalizes while libtorch still reads it
/// crashes the process; TorchSharp's own optimizers create such temporaries on every step).
/// </summary>
public abstract class FlatOptimizer : IDisposable
{
    private readonly Tensor[][] _state;

    /// <summary>Prepares zeroed state buffers named <paramref name="stateNames"/> for every store buffer.</summary>
    protected FlatOptimizer(ParameterStore store, double lr, string kind, params string[] stateNames)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!(double.IsFinite(lr) && lr >= 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "must be finite and ≥ 0");
        Store = store;
        Lr = lr;
        Kind = kind;
        StateNames = stateNames;
        _state = store.Buffers.Select(b => stateNames.Select(_ => torch.zeros_like(b.Data).DetachFromDisposeScope()).ToArray()).ToArray();
    }

    /// <summary>The parameters this optimizer updates.</summary>
    public ParameterStore Store { get; }

    /// <summary>"adamw", "adam" or "sgd": recorded with the saved state, checked when it is loaded.</summary>
    public string Kind { get; }

    /// <summary>The scheduled learning rate; an element's rate is this times its group's lr scale.</summary>
    public double Lr { get; set; }

    /// <summary>Optimizer steps taken since the state was created or reset (AdamW's bias correction uses it).</summary>
    public long Steps { get; set; }

    /// <summary>Names of the per-parameter state tensors (PyTorch's: <c>exp_avg</c>, <c>momentum_buffer</c>, …).</summary>
    public IReadOnlyList<string> StateNames { get; }

    /// <summary>State tensor <paramref name="index"/> (of <see cref="StateNames"/>) of store buffer <paramref name="buffer"/>.</summary>
    public Tensor State(int buffer, int index) => _state[buffer][index];

    /// <summary>Updates the parameters from their gradients.</summary>
    public void Step()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Steps++;
        for (int i = 0; i < Store.Buffers.Count; i++) Update(i, Store.Buffers[i], _state[i]);
    }

    /// <summary>One step of buffer <paramref name="b"/> (number <paramref name="index"/> of the store) with its
    /// state tensors; <see cref="Steps"/> already counts the step.</summary>
    protected abstract void Update(int index, ParameterStore.FlatBuffer b, Tensor[] state);

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad() => Store.ZeroGrad();

    /// <summary>Returns the state to what a newly built optimizer holds (step 0, zero buffers), keeping the
    /// hyper-parameters: re-creating the optimizer without rebuilding it.</summary>
    public void Reset()
    {
        Steps = 0;
        foreach (var t in _state.SelectMany(s => s)) t.zero_();
    }

    /// <summary>The lr of every element of <paramref name="b"/> as a multiplier of <paramref name="lr"/>: the
    /// per-element scale, or null when the buffer's scale is uniform (folded into the returned factor).</summary>
    protected static (Tensor? Scale, double Factor) LrOf(ParameterStore.FlatBuffer b, double lr) =>
        b.LrScale is { } scale ? (scale, lr) : (null, lr * b.UniformLrScale);

    /// <summary>Frees the state buffers.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the state buffers and whatever a derived optimizer built once.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var t in _state.SelectMany(s => s)) t.Dispose();
    }
}

using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// TSC's class-to-target matching, as the official <c>KCL.forward</c> does every step: each class keeps a
/// running centroid of its normalised query features (c ← normalise(m·c + (1 − m)·normalise(batch mean)),
/// m = 0.9, classes absent from the (global) batch unchanged); the assignment is the permutation maximising
/// Σ_c centroid_c · target_{p(c)} (Hungarian). Centroids start as random unit vectors. The centroids are
/// training state: checkpoint them with <see cref="Centroids"/>.
/// </summary>
public sealed class TargetAssignment : IDisposable
{
    private readonly Tensor _centroids;

    /// <summary>Starts with random unit centroids drawn with <paramref name="seed"/>.</summary>
    public TargetAssignment(int numClasses, int dim, long seed, double momentum = 0.9, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "at least 2 classes");
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "in [0, 1)");
        Momentum = momentum;
        using var generator = new Generator((ulong)seed);
        using var start = CpuRandom.Randn([numClasses, dim], CPU, generator);
        _centroids = torch.nn.functional.normalize(start, dim: 1).to(dtype).to(device ?? torch.CPU);
    }

    /// <summary>Weight of the old centroid in the EMA.</summary>
    public double Momentum { get; }

    /// <summary>The running class centroids [C, D] (the tensor itself; updated in place by <see cref="Update"/>).</summary>
    public Tensor Centroids => _centroids;

    /// <summary>Moves every class present in the batch towards its normalised batch mean.</summary>
    /// <param name="features">[N, D] normalised query features (detached here).</param>
    /// <param name="labels">[N] class ids.</param>
    /// <param name="allGather">Data-parallel runs: gathers over ranks so every rank sees the same batch and
    /// keeps identical centroids; null on one process.</param>
    public void Update(Tensor features, Tensor labels, Func<Tensor, Tensor>? allGather = null)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int c = (int)_centroids.shape[0];
        ContrastiveInputs.CheckMatrix(features, nameof(features), features.shape[0], _centroids.shape[1]);
        var f = features.detach();
        var ids = ContrastiveInputs.CheckLabels(labels, f.shape[0], c, nameof(labels), f.device);
        if (allGather is not null) { f = allGather(f); ids = allGather(ids); }
        f = f.to(_centroids.dtype).to(_centroids.device);
        ids = ids.to(_centroids.device);
        var oneHot = torch.nn.functional.one_hot(ids, c).to(f.dtype);                          // N × C
        var counts = oneHot.sum(dim: 0);
        // Scalars held to the end: a temporary one (an implicit double → Scalar, or the alpha of `a + b`) can be
        // finalized while libtorch still reads it (see Block).
        using Scalar one = 1.0, zero = 0.0, keep = Momentum, move = 1 - Momentum;
        var means = oneHot.t().matmul(f).div(counts.clamp_min(one).unsqueeze(1));
        var moved = torch.nn.functional.normalize(
            _centroids.mul(keep).add(torch.nn.functional.normalize(means, dim: 1), move), dim: 1);
        var present = counts.gt(zero).unsqueeze(1);
        _centroids.copy_(torch.where(present, moved, _centroids));
    }

    /// <summary>The target index of every class [C] (int64, on the centroids' device).</summary>
    /// <param name="targets">[C, D] the targets.</param>
    public Tensor Assign(Tensor targets)
    {
        ContrastiveInputs.CheckMatrix(targets, nameof(targets), _centroids.shape[0], _centroids.shape[1]);
        int c = (int)_centroids.shape[0];
        using var scope = torch.NewDisposeScope();
        var similarity = _centroids.matmul(targets.to(_centroids.dtype).to(_centroids.device).t())
            .to(ScalarType.Float64).cpu().data<double>().ToArray();
        var score = new double[c, c];
        for (int i = 0; i < c; i++)
            for (int j = 0; j < c; j++) score[i, j] = similarity[i * c + j];
        var permutation = LinearAssignment.Maximize(score).Select(p => (long)p).ToArray();
        return torch.tensor(permutation, device: _centroids.device).MoveToOuterDisposeScope();
    }

    /// <summary>Replaces the centroids (resuming from a checkpoint).</summary>
    /// <exception cref="ArgumentException">The shape differs.</exception>
    public void Load(Tensor centroids)
    {
        ContrastiveInputs.CheckMatrix(centroids, nameof(centroids), _centroids.shape[0], _centroids.shape[1]);
        using var _ = torch.no_grad();
        _centroids.copy_(centroids);
    }

    public void Dispose() => _centroids.Dispose();
}

using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Losses.Contrastive;

/// <summary>
/// TSC's class targets: C points spread uniformly on the unit sphere of R^D, found once before training by
/// the official <c>target_generation.py</c>: Adam on x ∈ R^{C×D} minimising the uniformity loss
/// mean_i log Σ_j exp(x̂_i·x̂_j / t) of the normalised rows x̂, keeping the x̂ of the lowest loss seen.
/// For C ≤ D + 1 the optimum is a regular simplex (pairwise cosine −1/(C−1)). The run saves the result.
/// <see cref="Generate"/> optimises in float64 where the official script uses float32: at t = 0.07 the
/// off-diagonal terms are ~1e−8 of the diagonal e^{1/t} once the points spread, below float32's resolution
/// of the loss, so the official keep-the-best rule freezes an early iterate (10 classes in 128-d: largest
/// pairwise cosine −0.011 after 10 000 float32 steps, −1/9 = −0.111 in float64).
/// </summary>
public static class HypersphereTargets
{
    /// <summary>Targets [C, D] (float32) from a N(0, 1) start drawn with <paramref name="seed"/>, optimised in float64.</summary>
    /// <exception cref="ArgumentOutOfRangeException">count &lt; 2 or dim &lt; 1.</exception>
    public static Tensor Generate(int count, int dim, long seed, int iterations = 10000, double learningRate = 1e-3, double temperature = 0.07)
    {
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "at least 2 targets");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "the target dimension must be ≥ 1");
        using var generator = new Generator((ulong)seed);
        using var start = CpuRandom.Randn([count, dim], CPU, generator, ScalarType.Float64);
        var (targets, _) = Optimise(start, iterations, learningRate, temperature);
        using (targets) return targets.to(ScalarType.Float32);
    }

    /// <summary>Runs the optimisation from <paramref name="start"/> (its dtype and device).</summary>
    /// <returns>The normalised targets [C, D] and the lowest loss seen.</returns>
    public static (Tensor Targets, double Loss) Optimise(Tensor start, int iterations, double learningRate, double temperature)
    {
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "at least one step");
        using var scope = torch.NewDisposeScope();
        var x = new TorchSharp.Modules.Parameter(start.detach().clone());
        using var store = ParameterStore.Create(ParamGroups.Single([x]));
        using var adam = new AdamW(store, learningRate, decoupled: false);
        // The official starts from 100 and crashes when no step beats it (t ≤ 0.01); +∞ keeps the same
        // choice whenever the official has one.
        Tensor best = torch.nn.functional.normalize(x.detach(), dim: 1);
        double bestLoss = double.PositiveInfinity;
        for (int i = 0; i < iterations; i++)
        {
            using var step = torch.NewDisposeScope();
            var normalised = torch.nn.functional.normalize(x, dim: 1);
            var loss = UniformityLoss(normalised, temperature);
            double value = ContrastiveInputs.Number(loss);
            if (value < bestLoss)
            {
                bestLoss = value;
                best.Dispose();
                best = normalised.detach().clone().MoveToOuterDisposeScope();
            }
            adam.ZeroGrad();
            loss.backward();
            adam.Step();
        }
        return (best.MoveToOuterDisposeScope(), bestLoss);
    }

    /// <summary>mean_i log Σ_j exp(x_i·x_j / t) over normalised rows (the diagonal included, as the official).</summary>
    public static Tensor UniformityLoss(Tensor normalised, double temperature)
    {
        // The Scalar held to the end: a temporary one can be finalized while libtorch reads it (see Block).
        using Scalar t = temperature;
        return normalised.matmul(normalised.t()).div(t).exp().sum(-1).log().mean();
    }
}

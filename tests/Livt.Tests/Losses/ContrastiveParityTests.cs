using Livt.Losses.Contrastive;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Livt.Tests.Losses;

/// <summary>Value, terms and gradients of every contrastive loss against PyTorch transcriptions of the
/// official code (fixtures/make_contrastive_fixtures.py), plus the state updates they rely on.</summary>
public class ContrastiveParityTests
{
    private const double Rtol = 1e-5;

    public ContrastiveParityTests() => LivtRuntime.Initialize();

    public static TheoryData<string> Cases()
    {
        LivtRuntime.Initialize();
        using var f = new ContrastiveFixture();
        var data = new TheoryData<string>();
        foreach (var name in f.CaseNames) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ValueTermsAndGradientsMatchPyTorchInFloat64(string name) => Check(name, ScalarType.Float64, Rtol);

    // Training runs in float32: the same numbers at float32 precision (and no dtype mixing).
    [Theory]
    [MemberData(nameof(Cases))]
    public void ValueTermsAndGradientsMatchPyTorchInFloat32(string name) => Check(name, ScalarType.Float32, 2e-4);

    private static void Check(string name, ScalarType dtype, double rtol)
    {
        using var f = new ContrastiveFixture(dtype);
        using var scope = torch.NewDisposeScope();
        var leaves = new Dictionary<string, Tensor>();
        Tensor Leaf(string key) => leaves.TryGetValue(key, out var t) ? t : leaves[key] = f[key].detach().clone().requires_grad_(true);

        var labels = f.Labels;
        int n = (int)labels.shape[0];
        LossTerms result = f.Loss(name) switch
        {
            "gpaco" => Gpaco(f, name, Leaf),
            "paco" => Paco(f, name, Leaf),
            "bcl" => new BclLoss(f.Counts, new BclOptions
            {
                Temperature = f.Number(name, "temperature"), CeWeight = f.Number(name, "alpha"),
                ContrastWeight = f.Number(name, "beta"), Tau = f.Number(name, "tau"),
            }).Forward(Leaf("bcl.logits"), F.normalize(Leaf("views"), dim: 2), F.normalize(Leaf("bcl.centers"), dim: 1), labels),
            "tsc" => Tsc(f, name, Leaf),
            "rescom" => new ResComLoss(f.Counts, new ResComOptions
            {
                Temperature = f.Number(name, "temperature"), ContrastWeight = f.Number(name, "con_weight"),
                EffectiveNumberBeta = f.Number(name, "effective_num_beta"), QueuePerClass = (int)f.Number(name, "queue_per_class"),
                HardPositives = (int)f.Number(name, "hard_positives"), HardNegatives = (int)f.Number(name, "hard_negatives"),
            }).Forward(F.normalize(Leaf("views"), dim: 2), labels, Leaf("rescom.logits"), f["rescom.queue"]),
            var other => throw new InvalidOperationException(other),
        };
        Assert.Equal(0, result.Total.dim());
        Assert.Equal(dtype, result.Total.dtype);
        result.Total.backward();

        Near(f.Reference(name + ".loss").to(ScalarType.Float64).item<double>(), result.Total.to(ScalarType.Float64).item<double>(), $"{name}: loss", rtol);
        int checkedParts = 0;
        foreach (var (part, value) in result.Parts)
        {
            if (!f.Has($"{name}.{part}")) continue;
            Near(f.Reference($"{name}.{part}").to(ScalarType.Float64).item<double>(), value, $"{name}: term {part}", rtol);
            checkedParts++;
        }
        Assert.Equal(f.Loss(name) is "gpaco" or "paco" ? 0 : result.Parts.Count, checkedParts);
        int checkedGrads = 0;
        foreach (var (key, leaf) in leaves)
        {
            string reference = $"{name}.grad.{key.Split('.')[^1]}";
            if (!f.Has(reference)) continue;
            TensorAssert.Close(f.Reference(reference), leaf.grad!, rtol, $"{name}: gradient w.r.t. {key}");
            checkedGrads++;
        }
        Assert.Equal(leaves.Count, checkedGrads);
        Assert.True(checkedGrads > 0, $"{name}: no gradient compared");
        Assert.Equal(n, (int)labels.shape[0]);
    }

    private static LossTerms Gpaco(ContrastiveFixture f, string name, Func<string, Tensor> leaf)
    {
        var loss = new GpacoLoss(f.Counts, GpacoOptions(f, name));
        var logits = leaf("pooled").matmul(leaf("weight").t()) + leaf("bias");
        var views = F.normalize(leaf("views"), dim: 2);
        return f.Flag(name, "queue")
            ? loss.ForwardViews(views, f.Labels, logits, f["gpaco.queue"], f["gpaco.queue_labels"])
            : loss.ForwardViews(views, f.Labels, logits);
    }

    private static LossTerms Paco(ContrastiveFixture f, string name, Func<string, Tensor> leaf)
    {
        var loss = new GpacoLoss(f.Counts, GpacoOptions(f, name));
        int n = (int)f.Labels.shape[0];
        var q = F.normalize(leaf("views").select(1, 0), dim: 1);
        var contrast = torch.cat(new[] { q, f["paco.keys"], f["gpaco.queue"] });
        var labels = torch.cat(new[] { f.Labels, f.Labels, f["gpaco.queue_labels"] });
        var logits = leaf("pooled")[..n].matmul(leaf("weight").t()) + leaf("bias");
        return loss.Forward(contrast, labels, logits);
    }

    private static GpacoOptions GpacoOptions(ContrastiveFixture f, string name) => new()
    {
        Alpha = f.Number(name, "alpha"), Beta = f.Number(name, "beta"), Gamma = f.Number(name, "gamma"),
        Temperature = f.Number(name, "temperature"), Smoothing = f.Number(name, "smooth"),
        LogitAdjustment = f.Flag(name, "logit_adjust"), SupervisedTemperature = f.OptionalNumber(name, "supt") ?? 1.0,
        BaseTemperature = f.OptionalNumber(name, "base_temperature"),
    };

    private static LossTerms Tsc(ContrastiveFixture f, string name, Func<string, Tensor> leaf)
    {
        var loss = new TscLoss(f.Counts.Length, new TscOptions { Temperature = f.Number(name, "temperature"), TargetWeight = f.Number(name, "target_weight") });
        var q = F.normalize(leaf("views").select(1, 0), dim: 1);
        var positives = f.Text(name, "positives") == "all" ? f["tsc.queue_mask"] : f["tsc.sampled"];
        return f.Flag(name, "targeted")
            ? loss.Forward(q, f["tsc.keys"], f.Labels, f["tsc.queue"], positives, f["tsc.targets"], f["tsc.assignment"])
            : loss.Forward(q, f["tsc.keys"], f.Labels, f["tsc.queue"], positives);
    }

    [Fact]
    public void TargetOptimisationMatchesTheOfficialScript()
    {
        using var f = new ContrastiveFixture();
        var (targets, best) = HypersphereTargets.Optimise(f["targets.x0"], iterations: 300, learningRate: 1e-3, temperature: 0.07);
        using (targets)
        {
            TensorAssert.Close(f["targets.result"], targets, Rtol, "targets");
            Near(f["targets.best_loss"].to(ScalarType.Float64).item<double>(), best, "lowest uniformity loss", Rtol);
        }
    }

    [Fact]
    public void CentroidUpdateAndAssignmentMatchTheOfficialStep()
    {
        using var f = new ContrastiveFixture();
        using var scope = torch.NewDisposeScope();
        using var assignment = new TargetAssignment(f.Counts.Length, (int)f["tsc.centroids"].shape[1], seed: 0, dtype: ScalarType.Float64);
        assignment.Load(f["tsc.centroids"]);
        assignment.Update(F.normalize(f["views"].select(1, 0), dim: 1), f.Labels);
        TensorAssert.Close(f["tsc.centroids_after"], assignment.Centroids, Rtol, "centroids");
        Assert.Equal(f["tsc.assignment"].data<long>().ToArray(), assignment.Assign(f["tsc.targets"]).data<long>().ToArray());
    }

    [Fact]
    public void ClassBalancedQueueWritesLikeTheOfficialRings()
    {
        using var f = new ContrastiveFixture();
        using var scope = torch.NewDisposeScope();
        var start = f["rescom.queue"];
        int c = f.Counts.Length, q = (int)(start.shape[0] / c);
        using var queue = new ClassBalancedQueue(c, q, (int)start.shape[1], seed: 0, dtype: ScalarType.Float64);
        queue.Load(new Dictionary<string, Tensor> { ["queue.keys"] = start, ["queue.pointers"] = torch.zeros(c, dtype: ScalarType.Int64) });
        var keys = F.normalize(f["views"].select(1, 0), dim: 1);
        queue.Enqueue(keys, f.Labels);
        queue.Enqueue(keys[..3], f.Labels[..3]);
        TensorAssert.Close(f["rescom.queue_after"], queue.Keys, Rtol, "queue keys");
        Assert.Equal(f["rescom.ptr_after"].data<long>().ToArray(), queue.Pointers.ToArray());
    }

    private static void Near(double expected, double actual, string what, double rtol) =>
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Max(Math.Abs(expected), 1e-8), $"{what}: {actual:R} vs PyTorch {expected:R}");
}

using Livt.Losses.Contrastive;
using Livt.Methods;
using Livt.Runtime;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Livt.Tests.Losses;

/// <summary>Properties of the contrastive losses beyond the parity fixtures: the data-parallel contrast,
/// limits that reduce to known losses, and the errors a caller can cause.</summary>
public class ContrastiveLossTests
{
    private static readonly long[] Counts = { 500, 200, 80, 20, 5 };

    public ContrastiveLossTests() => LivtRuntime.Initialize();

    private static Tensor Labels(params long[] ids) => torch.tensor(ids);

    [Fact]
    public void BclOverTwoRanksWithADifferentiableGatherIsTheWholeBatchLoss()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(11);
        var raw = torch.randn(new long[] { 8, 2, 6 }, dtype: ScalarType.Float64, generator: g).requires_grad_(true);
        var logits = torch.randn(new long[] { 8, 5 }, dtype: ScalarType.Float64, generator: g).requires_grad_(true);
        var centers = torch.randn(new long[] { 5, 6 }, dtype: ScalarType.Float64, generator: g).requires_grad_(true);
        var labels = Labels(0, 1, 1, 4, 0, 2, 0, 1);
        var loss = new BclLoss(Counts);

        var whole = loss.Forward(logits, F.normalize(raw, dim: 2), F.normalize(centers, dim: 1), labels).Total;
        var (gRaw, gLogits, gCenters) = Grads(whole, raw, logits, centers);

        // Each "rank" holds 4 samples; the gather hands back both halves in rank order, its own slice being
        // the tensor it was given (so gradient flows as through SupCon's GatherLayer).
        var views = F.normalize(raw, dim: 2);
        Tensor RankLoss(int rank)
        {
            var local = views[(rank * 4)..(rank * 4 + 4)];
            var localLabels = labels[(rank * 4)..(rank * 4 + 4)];
            Tensor Gather(Tensor t) => t.is_floating_point()
                ? torch.cat(new[] { rank == 0 ? t : views[..4], rank == 1 ? t : views[4..] })
                : labels;
            return loss.Forward(logits[(rank * 4)..(rank * 4 + 4)], local, F.normalize(centers, dim: 1), localLabels, Gather, rank).Total;
        }
        var mean = (RankLoss(0) + RankLoss(1)) / 2;
        TensorAssert.Close(whole, mean, 1e-10, "loss");
        var (dRaw, dLogits, dCenters) = Grads(mean, raw, logits, centers);
        TensorAssert.Close(gRaw, dRaw, 1e-10, "gradient w.r.t. the views");
        TensorAssert.Close(gLogits, dLogits, 1e-10, "gradient w.r.t. the logits");
        TensorAssert.Close(gCenters, dCenters, 1e-10, "gradient w.r.t. the centres");
    }

    private static (Tensor, Tensor, Tensor) Grads(Tensor loss, Tensor a, Tensor b, Tensor c)
    {
        var grads = torch.autograd.grad(new[] { loss }, new[] { a, b, c }, retain_graph: true);
        return (grads[0], grads[1], grads[2]);
    }

    [Fact]
    public void GpacoWithoutSampleTermsIsLogitAdjustedCrossEntropy()
    {
        // α = γ = 0 leaves only the centres: softmax CE on z + log(π + 1e−9), i.e. Bal-CE.
        using var scope = torch.NewDisposeScope();
        var g = new Generator(3);
        var views = F.normalize(torch.randn(new long[] { 6, 2, 4 }, generator: g), dim: 2);
        var logits = torch.randn(new long[] { 12, 5 }, generator: g);
        var labels = Labels(0, 1, 2, 3, 4, 0);
        var paco = new GpacoLoss(Counts, new GpacoOptions { Alpha = 0, Gamma = 0 }).ForwardViews(views, labels, logits).Total;
        var balCe = LossFactory.Create("bal-ce", Counts).Forward(logits, labels.repeat(2));
        TensorAssert.Close(balCe, paco, 1e-5, "GPaCo(α = γ = 0) vs Bal-CE");
    }

    [Fact]
    public void BclAndResComClassificationBranchesAreBalancedSoftmax()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(5);
        var views = F.normalize(torch.randn(new long[] { 6, 2, 8 }, generator: g), dim: 2);
        var labels = Labels(0, 1, 2, 3, 4, 0);
        var logits = torch.randn(new long[] { 6, 5 }, generator: g);
        var balCe = LossFactory.Create("bal-ce", Counts);

        var bcl = new BclLoss(Counts, new BclOptions { ContrastWeight = 0 })
            .Forward(logits, views, F.normalize(torch.randn(new long[] { 5, 8 }, generator: g), dim: 1), labels);
        TensorAssert.Close(balCe.Forward(logits, labels), bcl.Total, 1e-6, "BCL with β = 0");

        var logits2 = torch.randn(new long[] { 12, 5 }, generator: g);
        using var queue = new ClassBalancedQueue(5, 8, 8, seed: 1);
        var rescom = new ResComLoss(Counts, new ResComOptions { ContrastWeight = 0 }).Forward(views, labels, logits2, queue.Keys);
        TensorAssert.Close(balCe.Forward(logits2, labels.repeat(2)), rescom.Total, 1e-6, "ResCom with w = 0");
    }

    [Fact]
    public void TscKeepsItsTermsApartAndNeedsTargetsWithTheirAssignment()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(8);
        var q = F.normalize(torch.randn(new long[] { 4, 6 }, generator: g), dim: 1);
        var k = F.normalize(torch.randn(new long[] { 4, 6 }, generator: g), dim: 1);
        var queue = F.normalize(torch.randn(new long[] { 5, 6 }, generator: g), dim: 1);
        var labels = Labels(0, 1, 2, 0);
        var positives = KclPositives.Candidates(labels, Labels(0, 0, 1, 2, 2));
        var targets = F.normalize(torch.randn(new long[] { 3, 6 }, generator: g), dim: 1);
        var loss = new TscLoss(3);
        var result = loss.Forward(q, k, labels, queue, positives, targets, Labels(2, 0, 1));
        Assert.Equal(result.Parts["class"] + result.Parts["target"], result.Total.item<float>(), 5);
        Assert.True(result.Parts["target"] > 0);
        Assert.Throws<ArgumentException>(() => loss.Forward(q, k, labels, queue, positives, targets));

        // The first step: an empty queue leaves the own key (and the target) as the only positives.
        var empty = loss.Forward(q, k, labels, torch.zeros(0, 6), torch.zeros(4, 0), targets, Labels(2, 0, 1));
        var logits = torch.cat(new[] { (q * k).sum(1, keepdim: true), q.matmul(targets.t()) }, 1) / 0.07;
        var logProb = F.log_softmax(logits, 1);
        var own = logProb[.., 0];
        var target = logProb.gather(1, Labels(2, 0, 1).index_select(0, labels).unsqueeze(1) + 1).squeeze(1);
        var expected = -(own / 2).mean() - 0.2 * (target / 2).mean();
        TensorAssert.Close(expected, empty.Total, 1e-5, "TSC with an empty queue");
    }

    [Fact]
    public void KclSamplingDrawsUniformSubsetsOfTheCandidates()
    {
        using var scope = torch.NewDisposeScope();
        var candidates = torch.tensor(new float[,] { { 1, 1, 1, 1, 0 }, { 0, 1, 0, 0, 0 }, { 0, 0, 0, 0, 0 } });
        var g = new Generator(21);
        var hits = torch.zeros(3, 5);
        const int draws = 1000;
        for (int i = 0; i < draws; i++)
        {
            using var s = KclPositives.Sample(candidates, 2, g);
            Assert.Equal(new float[] { 2, 1, 0 }, s.sum(1).data<float>().ToArray());
            Assert.Equal(0, (s * (1 - candidates)).sum().item<float>());
            hits.add_(s);
        }
        var rate = (hits / draws).data<float>().ToArray();
        for (int j = 0; j < 4; j++) Assert.InRange(rate[j], 0.5 - 0.07, 0.5 + 0.07);   // 2 of 4 candidates (σ 0.016)
        Assert.Equal(1f, rate[6]);
        using var all = KclPositives.Sample(candidates, 0);
        TensorAssert.Close(candidates, all, 0, "k = 0 keeps every candidate");
    }

    [Fact]
    public void OptionsOutOfRangeAreUserErrorsNamingTheKey()
    {
        Assert.Contains("Temperature", Assert.Throws<LivtException>(() => new GpacoLoss(Counts, new GpacoOptions { Temperature = 0 })).Message);
        Assert.Contains("Smoothing", Assert.Throws<LivtException>(() => new GpacoLoss(Counts, new GpacoOptions { Smoothing = 1 })).Message);
        Assert.Contains("ContrastWeight", Assert.Throws<LivtException>(() => new BclLoss(Counts, new BclOptions { ContrastWeight = -1 })).Message);
        Assert.Contains("TargetWeight", Assert.Throws<LivtException>(() => new TscLoss(5, new TscOptions { TargetWeight = double.NaN })).Message);
        var e = Assert.Throws<LivtException>(() => new ResComLoss(new long[] { 10, 5 }, new ResComOptions { QueuePerClass = 8, HardNegatives = 9 }));
        Assert.Contains("HardNegatives", e.Message);
        Assert.Contains("class 1", Assert.Throws<LivtException>(() => new BclLoss(new long[] { 3, 0 })).Message);
    }

    [Fact]
    public void ShapeMistakesAreArgumentErrors()
    {
        using var scope = torch.NewDisposeScope();
        var labels = Labels(0, 1, 2);
        var views = F.normalize(torch.randn(3, 3, 4), dim: 2);
        var bcl = new BclLoss(Counts);
        Assert.Throws<ArgumentException>(() => bcl.Forward(torch.randn(3, 5), views, torch.randn(5, 4), labels));        // 3 views
        var gpaco = new GpacoLoss(Counts);
        Assert.Throws<ArgumentException>(() => gpaco.ForwardViews(views[.., ..2], labels, torch.randn(5, 5)));           // logits rows
        Assert.Throws<ArgumentException>(() => gpaco.ForwardViews(views[.., ..2], Labels(0, 1, 7), torch.randn(6, 5)));  // label 7
        Assert.Throws<ArgumentException>(() => gpaco.ForwardViews(views[.., ..2], labels, torch.randn(6, 5), torch.randn(2, 4)));
    }
}

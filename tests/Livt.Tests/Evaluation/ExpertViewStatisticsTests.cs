using Livt.Evaluation;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

public class ExpertViewStatisticsTests
{
    public ExpertViewStatisticsTests() => LivtRuntime.Initialize();

    /// <summary>
    /// Three experts on four images of three classes: a flat one (zero logits), one biased so hard towards
    /// class 2 that the image does not matter, and one that is sharp but changes its mind between the views.
    /// The flat and the biased expert agree with themselves perfectly, the fickle one does not: the
    /// stability objective cannot tell a right expert from a flat or a biased one.
    /// </summary>
    [Fact]
    public void FlatAndBiasedExpertsAgreeWithThemselvesAFickleOneDoesNot()
    {
        using var scope = torch.NewDisposeScope();
        var fickle1 = new double[,] { { 9, 0, 0 }, { 0, 9, 0 }, { 9, 0, 0 }, { 0, 9, 0 } };
        var fickle2 = new double[,] { { 0, 9, 0 }, { 9, 0, 0 }, { 0, 9, 0 }, { 9, 0, 0 } };
        Tensor View(double[,] fickle)
        {
            var flat = torch.zeros(4, 3, dtype: ScalarType.Float64);
            // the image's evidence (up to 2 nats) is nothing against the 30-nat shift towards class 2
            var evidence = torch.tensor(new double[,] { { 2, 0, 0 }, { 0, 2, 0 }, { 1, 0, 0 }, { 0, 0, 1 } });
            var biased = torch.tensor(new double[] { 0, 0, 30 }).expand(4, 3).add(evidence);
            return torch.stack([flat, biased, torch.tensor(fickle)], 1);
        }
        var stats = new ExpertViewStatistics(3, 3);
        stats.Add(View(fickle1), View(fickle2));
        var experts = stats.Summarise([33.3, 25.0, 50.0]);

        Assert.Equal(4, stats.Pairs);
        Assert.Equal(Math.Log(3), experts[0].Entropy, 9);
        Assert.Equal(1.0, experts[0].ViewAgreement, 9);
        Assert.True(experts[1].Entropy < 1e-6, $"biased entropy {experts[1].Entropy}");
        Assert.Equal(1.0, experts[1].ViewAgreement, 6);
        Assert.Equal(100.0, experts[1].TopClassShare, 9);
        Assert.True(experts[2].ViewAgreement < 0.01, $"fickle agreement {experts[2].ViewAgreement}");
        Assert.Equal(50.0, experts[2].TopClassShare, 9);
        Assert.Equal(new[] { 33.3, 25.0, 50.0 }, experts.Select(e => e.Top1));
    }

    [Fact]
    public void RefusesViewsOfTheWrongShape()
    {
        var stats = new ExpertViewStatistics(3, 10);
        using var a = torch.zeros(2, 3, 10);
        using var b = torch.zeros(2, 2, 10);
        Assert.Throws<ArgumentException>(() => stats.Add(a, b));
        Assert.Throws<InvalidOperationException>(() => stats.Summarise([0, 0, 0]));
    }
}

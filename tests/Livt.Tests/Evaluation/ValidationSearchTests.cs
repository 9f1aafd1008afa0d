using Livt.Evaluation;
using Livt.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Evaluation;

public class ValidationSearchTests
{
    [Fact]
    public void BalancedAccuracyIsTheMeanOverPresentClasses()
    {
        // Class 0: 3 of 4 right; class 1: 0 of 1; class 2 absent.
        using var logits = torch.tensor(new float[,] { { 1, 0, 0 }, { 1, 0, 0 }, { 1, 0, 0 }, { 0, 1, 0 }, { 1, 0, 0 } });
        using var labels = torch.tensor(new long[] { 0, 0, 0, 0, 1 });
        Assert.Equal(37.5, ValidationSearch.BalancedAccuracy(logits, labels), 10);
    }

    [Fact]
    public void PicksTheBestCandidateAndTheFirstOnATie()
    {
        using var labels = torch.tensor(new long[] { 0, 1 });
        // Candidate t predicts class 1 for both images when t ≥ 1 (50 %), both right at t = 0.5 and 0.7 (100 %).
        Tensor At(double t) => t is 0.5 or 0.7 ? torch.tensor(new float[,] { { 1, 0 }, { 0, 1 } }) : torch.tensor(new float[,] { { 0, 1 }, { 0, 1 } });
        var tuned = ValidationSearch.Select("x", [0.0, 0.5, 0.7, 1.0], At, labels, "two images");
        Assert.Equal(0.5, tuned.Value);
        Assert.Equal([50.0, 100.0, 100.0, 50.0], tuned.ValidationBalancedAccuracy);
        Assert.Equal(21, ValidationSearch.TauGrid.Count);
        Assert.Equal((0.0, 2.0), (ValidationSearch.TauGrid[0], ValidationSearch.TauGrid[^1]));
    }

    [Fact]
    public void AClassBalancedHeadAssumesAUniformPrior()
    {
        long[] counts = [30, 10];
        Assert.Equal([0.75, 0.25], PriorCorrection.SourcePrior("ce", counts));
        Assert.Equal([0.5, 0.5], PriorCorrection.SourcePrior("ce", counts, "class-balanced"));
        Assert.Equal([0.5, 0.5], PriorCorrection.SourcePrior("bal-bce", counts));
        Assert.Equal([0.5, 0.5], PriorCorrection.SourcePrior("GPaCo", counts));
        Assert.Equal([0.5, 0.5], PriorCorrection.SourcePrior("rescom", counts));
    }

    [Fact]
    public void SadesAveragedExpertsAssumeTheGeometricMeanOfTheirPriors()
    {
        // π = (3/4, 1/4), π̃ = (1/4, 3/4): forward log π, uniform 0, backward τ·log π̃; their mean is the
        // log of (π·π̃^τ)^(1/3), normalised.
        long[] counts = [30, 10];
        foreach (double tau in new[] { 2.0, 1.0 })
        {
            double a = Math.Cbrt(0.75 * Math.Pow(0.25, tau)), b = Math.Cbrt(0.25 * Math.Pow(0.75, tau));
            var prior = PriorCorrection.SourcePrior("tade", counts, sadeTau: tau);
            Assert.Equal(a / (a + b), prior[0], 8);
            Assert.Equal(b / (a + b), prior[1], 8);
        }
        // A head retrained on class-balanced samples is uniform whatever it started as.
        Assert.Equal([0.5, 0.5], PriorCorrection.SourcePrior("sade", counts, "class-balanced"));
    }
}

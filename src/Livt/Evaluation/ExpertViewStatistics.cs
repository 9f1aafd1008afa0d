using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>What one expert does on a split's two views, the quantities that decide where SADE's
/// aggregation moves: with all the weight on expert e, the stability objective is e's
/// <see cref="ViewAgreement"/>, so the expert that agrees most with itself draws the weight whether or
/// not it is right.</summary>
/// <param name="Top1">Top-1 % of the expert alone on the split (evaluation transform).</param>
/// <param name="Entropy">Mean entropy of its softmax prediction on the views, in nats (ln C is flat).</param>
/// <param name="ViewAgreement">Mean cosine similarity of its softmax predictions of an image's two views.</param>
/// <param name="TopClassShare">Percent of the views' predictions that go to its most-predicted class:
/// near 100 for an expert whose prior shift outweighs the image.</param>
public sealed record ExpertOnSplit(double Top1, double Entropy, double ViewAgreement, double TopClassShare);

/// <summary>
/// Accumulates, per expert, the entropy and the two-view agreement of its softmax predictions over view
/// pairs of expert logits [N, E, C] — the per-expert terms of SADE's stability objective — and where its
/// predictions go.
/// </summary>
public sealed class ExpertViewStatistics
{
    private readonly double[] _entropy;
    private readonly double[] _agreement;
    private readonly long[,] _predicted;
    private long _pairs;

    /// <param name="numExperts">E.</param>
    /// <param name="numClasses">C.</param>
    public ExpertViewStatistics(int numExperts, int numClasses)
    {
        if (numExperts < 1) throw new ArgumentOutOfRangeException(nameof(numExperts), numExperts, "at least one expert");
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "at least one class");
        _entropy = new double[numExperts];
        _agreement = new double[numExperts];
        _predicted = new long[numExperts, numClasses];
    }

    /// <summary>Adds a batch: the experts' logits [N, E, C] of the same N images under two views.</summary>
    /// <exception cref="ArgumentException">Views not [N, E, C] of one shape with this E and C.</exception>
    public void Add(Tensor view1, Tensor view2)
    {
        int experts = _entropy.Length, classes = _predicted.GetLength(1);
        if (view1.dim() != 3 || view1.shape[1] != experts || view1.shape[2] != classes || !view1.shape.SequenceEqual(view2.shape))
            throw new ArgumentException(
                $"both views must be expert logits [N, {experts}, {classes}] of one shape, " +
                $"got [{string.Join(", ", view1.shape)}] and [{string.Join(", ", view2.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var p1 = torch.softmax(view1.to(ScalarType.Float64), 2);
        var p2 = torch.softmax(view2.to(ScalarType.Float64), 2);
        using Scalar one = 1;
        // sum(0L): a literal 0 would bind to sum(ScalarType) and sum everything as bytes
        var agreement = torch.nn.functional.cosine_similarity(p1, p2, dim: 2, eps: 1e-6).sum(0L);
        var entropy = Entropy(p1).sum(0L).add(Entropy(p2).sum(0L), one);
        var predictions = torch.cat([p1.argmax(2), p2.argmax(2)], 0).cpu().data<long>().ToArray();
        var a = agreement.cpu().data<double>().ToArray();
        var h = entropy.cpu().data<double>().ToArray();
        for (int e = 0; e < experts; e++)
        {
            _agreement[e] += a[e];
            _entropy[e] += h[e];
        }
        for (int i = 0; i < predictions.Length; i++) _predicted[i % experts, predictions[i]]++;
        _pairs += view1.shape[0];
    }

    /// <summary>View pairs added so far.</summary>
    public long Pairs => _pairs;

    /// <summary>Each expert's statistics, with its top-1 alone from <paramref name="top1"/>.</summary>
    /// <exception cref="InvalidOperationException">No view pair was added.</exception>
    public IReadOnlyList<ExpertOnSplit> Summarise(IReadOnlyList<double> top1)
    {
        ArgumentNullException.ThrowIfNull(top1);
        if (_pairs == 0) throw new InvalidOperationException("no view pairs were added");
        int classes = _predicted.GetLength(1);
        return Enumerable.Range(0, _entropy.Length).Select(e =>
        {
            long most = Enumerable.Range(0, classes).Max(c => _predicted[e, c]);
            return new ExpertOnSplit(top1[e], _entropy[e] / (2.0 * _pairs), _agreement[e] / _pairs, 100.0 * most / (2.0 * _pairs));
        }).ToArray();
    }

    private static Tensor Entropy(Tensor p)
    {
        using Scalar tiny = 1e-300;
        return p.mul(p.clamp_min(tiny).log()).sum(2).neg();
    }
}

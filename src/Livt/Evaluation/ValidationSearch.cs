using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>
/// Chooses a post-hoc setting (τ of τ-normalisation, τ of logit adjustment) by balanced accuracy on a
/// validation split. It only ever sees the validation logits it is given, so the test split cannot
/// leak into the choice.
/// </summary>
public static class ValidationSearch
{
    /// <summary>The τ candidates of τ-normalisation and logit adjustment: 0, 0.1, …, 2 (the official
    /// decoupling code's <c>np.linspace(0, 2, 21)</c>).</summary>
    public static IReadOnlyList<double> TauGrid { get; } = Enumerable.Range(0, 21).Select(i => i / 10.0).ToArray();

    /// <summary>Tries every value of <paramref name="grid"/>: <paramref name="logitsAt"/> gives the
    /// validation logits [N, C] for a value (a tensor this method disposes), scored against
    /// <paramref name="labels"/> [N].</summary>
    /// <exception cref="ArgumentException">An empty grid.</exception>
    public static TunedValue Select(string parameter, IReadOnlyList<double> grid, Func<double, Tensor> logitsAt, Tensor labels,
        string validation)
    {
        if (grid.Count == 0) throw new ArgumentException("no candidate values", nameof(grid));
        var scores = new double[grid.Count];
        for (int i = 0; i < grid.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            scores[i] = BalancedAccuracy(logitsAt(grid[i]), labels);
        }
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best]) best = i;
        return new TunedValue
        {
            Parameter = parameter, Value = grid[best], Grid = grid.ToArray(), ValidationBalancedAccuracy = scores, Validation = validation,
        };
    }

    /// <summary>Mean over the classes present in <paramref name="labels"/> of their top-1 accuracy, percent.</summary>
    public static double BalancedAccuracy(Tensor logits, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        long c = logits.shape[1];
        var y = labels.to(ScalarType.Int64, logits.device);
        var correct = logits.argmax(1).eq(y).to(ScalarType.Float64);
        using Scalar one = 1.0, zero = 0;
        var perClassCorrect = torch.zeros(c, dtype: ScalarType.Float64, device: logits.device).index_add_(0, y, correct, one);
        var perClassTotal = torch.zeros(c, dtype: ScalarType.Float64, device: logits.device).index_add_(0, y, torch.ones_like(correct), one);
        var present = perClassTotal > zero;
        return 100.0 * (perClassCorrect[present] / perClassTotal[present]).mean().item<double>();
    }
}

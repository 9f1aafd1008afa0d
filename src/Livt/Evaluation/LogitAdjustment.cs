using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>
/// Post-hoc logit adjustment (Menon et al.): logits that assume label prior π_from are moved to a test
/// label distribution π_to by z − τ·log π_from + τ·log π_to. Equal priors leave logits unchanged.
/// </summary>
public static class LogitAdjustment
{
    /// <summary>Adjusted logits (a new tensor on the logits' device and dtype).</summary>
    public static Tensor Apply(Tensor logits, IReadOnlyList<double> fromPrior, IReadOnlyList<double> toPrior, double tau = 1.0)
    {
        long c = logits.shape[^1];
        if (fromPrior.Count != c || toPrior.Count != c)
            throw new ArgumentException($"priors of {fromPrior.Count} and {toPrior.Count} classes for logits of {c}");
        var shift = new float[c];
        for (int j = 0; j < c; j++)
        {
            if (!(fromPrior[j] > 0) || !(toPrior[j] > 0))
                throw new LivtException($"class {j}: a prior must be positive for logit adjustment (got {fromPrior[j]} and {toPrior[j]})");
            shift[j] = (float)(tau * (Math.Log(toPrior[j]) - Math.Log(fromPrior[j])));
        }
        using var s = torch.tensor(shift, device: logits.device).to(logits.dtype);
        return logits + s;
    }

    /// <summary>
    /// Reads a prior: one non-negative number per line (counts or probabilities; blank lines and
    /// <c>#</c> comments skipped), normalised to sum 1. Errors name the file and line.
    /// </summary>
    public static double[] ParsePriorFile(string path, int numClasses)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: test prior file not found");
        var values = new List<double>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            if (!double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < 0)
                throw new LivtException($"{path}:{lineNo}: '{raw.Trim()}' is not a non-negative number");
            values.Add(v);
        }
        if (values.Count != numClasses)
            throw new LivtException($"{path}: {values.Count} values for {numClasses} classes (one line per class)");
        double sum = values.Sum();
        if (!(sum > 0)) throw new LivtException($"{path}: the values sum to 0");
        return values.Select(v => v / sum).ToArray();
    }
}

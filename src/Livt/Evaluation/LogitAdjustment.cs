using System.Globalization;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>
/// Post-hoc logit adjustment (Menon et al. 2021; Hong et al.'s LADE test-time form): when the test label
/// distribution π_test differs from the training one π_train, the Bayes-optimal scores are
/// z − τ·log π_train + τ·log π_test. With π_test uniform this removes the training prior.
/// </summary>
public static class LogitAdjustment
{
    /// <summary>Returns z − τ·log π_train + τ·log π_test as a new tensor on the logits' device and dtype.</summary>
    /// <param name="logits">[N, C] scores.</param>
    /// <param name="trainPrior">C positive weights of the training distribution (normalised here).</param>
    /// <param name="testPrior">C positive weights of the test distribution (normalised here).</param>
    /// <param name="tau">Strength of the adjustment.</param>
    public static Tensor Apply(Tensor logits, IReadOnlyList<double> trainPrior, IReadOnlyList<double> testPrior, double tau = 1.0)
    {
        if (logits.dim() != 2)
            throw new ArgumentException($"logits must be [N, C], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        if (trainPrior.Count != logits.shape[1])
            throw new ArgumentException($"{trainPrior.Count} prior values for {logits.shape[1]} classes", nameof(trainPrior));
        using var shift = tensor(Offset(trainPrior, testPrior, tau), dtype: logits.dtype, device: logits.device);
        // Scalars held for the call: a temporary one can be finalized while libtorch reads it (see Block).
        using TorchSharp.Scalar one = 1;
        return logits.add(shift, one);
    }

    /// <summary>The per-class shift τ·(log π_test − log π_train) that <see cref="Apply"/> adds (an
    /// exported ONNX graph adds the same values).</summary>
    /// <param name="trainPrior">C positive weights of the training distribution (normalised here).</param>
    /// <param name="testPrior">C positive weights of the test distribution (normalised here).</param>
    /// <param name="tau">Strength of the adjustment.</param>
    public static double[] Offset(IReadOnlyList<double> trainPrior, IReadOnlyList<double> testPrior, double tau = 1.0)
    {
        var c = trainPrior.Count;
        var train = Normalise(trainPrior, c, nameof(trainPrior));
        var test = Normalise(testPrior, c, nameof(testPrior));
        var offset = new double[c];
        for (var j = 0; j < c; j++) offset[j] = tau * (Math.Log(test[j]) - Math.Log(train[j]));
        return offset;
    }

    /// <summary>The training prior π_c = n_c / Σ n from per-class counts.</summary>
    public static double[] PriorFromCounts(IReadOnlyList<long> counts)
    {
        var total = counts.Sum();
        if (total <= 0) throw new ArgumentException("the class counts sum to zero", nameof(counts));
        return counts.Select(n => (double)n / total).ToArray();
    }

    /// <summary>
    /// Reads a test label distribution: one positive number per line (counts or probabilities), class
    /// by class; blank lines and lines starting with '#' are skipped. Returned normalised to sum 1.
    /// </summary>
    /// <exception cref="LivtException">The file is missing, a line is not a positive number, or the
    /// number of values is not <paramref name="numClasses"/>; the message names file:line.</exception>
    public static double[] ParsePriorFile(string path, int numClasses)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LivtException($"{path}: cannot read the test prior file: {e.Message}", e);
        }

        var values = new List<double>();
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new LivtException($"{path}:{i + 1}: '{text}' is not a number (expected one count or probability per line).");
            if (v <= 0)
                throw new LivtException($"{path}:{i + 1}: {text} is not positive (every class needs a positive prior).");
            values.Add(v);
        }
        if (values.Count != numClasses)
            throw new LivtException($"{path}: {values.Count} values for {numClasses} classes (expected one line per class).");
        var sum = values.Sum();
        return values.Select(v => v / sum).ToArray();
    }

    private static double[] Normalise(IReadOnlyList<double> prior, int numClasses, string name)
    {
        if (prior.Count != numClasses)
            throw new ArgumentException($"{prior.Count} prior values for {numClasses} classes", name);
        if (prior.Any(p => !(p > 0) || !double.IsFinite(p)))
            throw new ArgumentException("every prior value must be positive and finite", name);
        var sum = prior.Sum();
        return prior.Select(p => p / sum).ToArray();
    }
}

using Livt.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>Collects logits and labels batch by batch (on the CPU, as float32) and computes an
/// <see cref="EvaluationResult"/> from them.</summary>
public sealed class MetricsAccumulator
{
    /// <summary>Number of equal-width confidence bins for ECE and the reliability diagram.</summary>
    public const int CalibrationBins = 15;

    private readonly int _numClasses;
    private readonly List<float[]> _logits = [];
    private readonly List<long[]> _labels = [];
    private int _count;

    public MetricsAccumulator(int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses));
        _numClasses = numClasses;
    }

    /// <summary>Adds a batch: logits [N, C] on any device, labels [N] int64.</summary>
    public void Add(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || logits.shape[1] != _numClasses)
            throw new ArgumentException($"expected logits [N, {_numClasses}], got [{string.Join(", ", logits.shape)}]");
        if (labels.dim() != 1 || labels.shape[0] != logits.shape[0])
            throw new ArgumentException($"expected {logits.shape[0]} labels, got [{string.Join(", ", labels.shape)}]");
        using var l = logits.detach().to(float32).cpu().contiguous();
        using var y = labels.to(int64).cpu().contiguous();
        _logits.Add(l.data<float>().ToArray());
        _labels.Add(y.data<long>().ToArray());
        _count += (int)logits.shape[0];
    }

    /// <summary>All logits so far, [N, C] float32 on the CPU (a new tensor the caller owns).</summary>
    public Tensor Logits => torch.tensor(_logits.SelectMany(a => a).ToArray(), [_count, _numClasses]);

    /// <summary>All labels so far, [N] int64 on the CPU (a new tensor the caller owns).</summary>
    public Tensor Labels => torch.tensor(_labels.SelectMany(a => a).ToArray(), [_count]);

    /// <summary>Scores everything added so far.</summary>
    public EvaluationResult Compute(IReadOnlyList<long> trainClassCounts, ShotThresholds? thresholds = null, IReadOnlyList<string>? classNames = null)
    {
        if (trainClassCounts.Count != _numClasses)
            throw new ArgumentException($"{trainClassCounts.Count} training counts for {_numClasses} classes");
        if (_count == 0) throw new InvalidOperationException("no predictions were added");
        thresholds ??= ShotThresholds.Default;
        int c = _numClasses, k = Math.Min(5, c);
        var confusion = new int[c, c];
        var testCounts = new long[c];
        var correct = new long[c];
        long top1 = 0, topk = 0;
        double nll = 0;
        var binConf = new double[CalibrationBins];
        var binAcc = new double[CalibrationBins];
        var binCount = new long[CalibrationBins];
        var probs = new double[c];

        foreach (var (logits, labels) in _logits.Zip(_labels))
        {
            for (int i = 0; i < labels.Length; i++)
            {
                int y = (int)labels[i];
                if (y < 0 || y >= c) throw new ArgumentException($"label {y} outside [0, {c})");
                var row = logits.AsSpan(i * c, c);
                // Softmax in double, max-shifted, for confidence and NLL.
                double max = double.NegativeInfinity;
                int argmax = 0;
                for (int j = 0; j < c; j++) if (row[j] > max) { max = row[j]; argmax = j; }
                double sum = 0;
                for (int j = 0; j < c; j++) { probs[j] = Math.Exp(row[j] - max); sum += probs[j]; }
                nll += -(row[y] - max - Math.Log(sum));
                double confidence = probs[argmax] / sum;
                // Rank of the true class: how many classes score strictly higher (ties count in its favour).
                int higher = 0;
                for (int j = 0; j < c; j++) if (row[j] > row[y]) higher++;
                bool hit = argmax == y || (higher == 0 && row[argmax] == row[y]);
                if (hit) { top1++; correct[y]++; }
                if (higher < k) topk++;
                testCounts[y]++;
                confusion[y, hit ? y : argmax]++;
                int bin = Math.Min(CalibrationBins - 1, Math.Max(0, (int)Math.Ceiling(confidence * CalibrationBins) - 1));
                binConf[bin] += confidence;
                binAcc[bin] += hit ? 1 : 0;
                binCount[bin]++;
            }
        }

        double ece = 0;
        var relConf = new double[CalibrationBins];
        var relAcc = new double[CalibrationBins];
        for (int b = 0; b < CalibrationBins; b++)
        {
            if (binCount[b] == 0) { relConf[b] = relAcc[b] = double.NaN; continue; }
            relConf[b] = binConf[b] / binCount[b];
            relAcc[b] = binAcc[b] / binCount[b];
            ece += (double)binCount[b] / _count * Math.Abs(relAcc[b] - relConf[b]);
        }

        var perClass = new double[c];
        for (int j = 0; j < c; j++) perClass[j] = testCounts[j] == 0 ? double.NaN : 100.0 * correct[j] / testCounts[j];
        double? Group(ShotGroup g)
        {
            var accs = Enumerable.Range(0, c).Where(j => testCounts[j] > 0 && thresholds.Of(trainClassCounts[j]) == g).Select(j => perClass[j]).ToList();
            return accs.Count == 0 ? null : accs.Average();
        }

        return new EvaluationResult
        {
            Top1 = 100.0 * top1 / _count, Top5 = 100.0 * topk / _count,
            Many = Group(ShotGroup.Many), Medium = Group(ShotGroup.Medium), Few = Group(ShotGroup.Few),
            Ece = 100.0 * ece, Nll = nll / _count, PerClass = perClass, TestCounts = testCounts,
            ClassCounts = trainClassCounts.ToArray(), Confusion = confusion,
            ReliabilityConfidence = relConf, ReliabilityAccuracy = relAcc, ReliabilityCount = binCount,
            ClassNames = classNames?.ToArray() ?? Enumerable.Range(0, c).Select(j => j.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
        };
    }
}

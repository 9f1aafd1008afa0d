using System.Globalization;
using Livt.Data;
using static TorchSharp.torch;

namespace Livt.Evaluation;

/// <summary>
/// Collects a model's logits and the true labels batch by batch, then computes every metric at once.
/// The logits are copied to managed memory as float32, so the tensors passed to <see cref="Add"/> may be
/// disposed (or live on any device, inside any dispose scope) afterwards.
/// </summary>
public sealed class MetricsAccumulator
{
    private readonly int _numClasses;
    private readonly List<float[]> _logitChunks = new();
    private readonly List<long[]> _labelChunks = new();
    private long _count;

    /// <summary>An empty accumulator for a <paramref name="numClasses"/>-way classifier.</summary>
    public MetricsAccumulator(int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "at least one class");
        _numClasses = numClasses;
    }

    /// <summary>Number of classes.</summary>
    public int NumClasses => _numClasses;

    /// <summary>Images added so far.</summary>
    public long Count => _count;

    /// <summary>Adds one batch.</summary>
    /// <param name="logits">[N, C] scores, any device and floating dtype.</param>
    /// <param name="labels">[N] class indices (int64).</param>
    /// <exception cref="LivtException">A label is outside 0..C−1 (a dataset that does not match the model).</exception>
    public void Add(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || logits.shape[1] != _numClasses)
            throw new ArgumentException($"logits must be [N, {_numClasses}], got [{string.Join(", ", logits.shape)}]", nameof(logits));
        if (labels.dim() != 1 || labels.shape[0] != logits.shape[0])
            throw new ArgumentException($"labels must be [{logits.shape[0]}], got [{string.Join(", ", labels.shape)}]", nameof(labels));

        using var scope = NewDisposeScope();
        var z = logits.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        var y = labels.detach().to(ScalarType.Int64, CPU).contiguous().data<long>().ToArray();
        for (var i = 0; i < y.Length; i++)
            if (y[i] < 0 || y[i] >= _numClasses)
                throw new LivtException(
                    $"Test label {y[i]} (image {_count + i}) is outside the model's {_numClasses} classes (0..{_numClasses - 1}).");
        _logitChunks.Add(z);
        _labelChunks.Add(y);
        _count += y.Length;
    }

    /// <summary>All logits added so far, [N, C] float32 on the CPU: a new tensor the caller owns
    /// (it joins the current dispose scope), e.g. for <see cref="LogitAdjustment.Apply"/>.</summary>
    public Tensor Logits
    {
        get
        {
            var all = new float[_count * _numClasses];
            var offset = 0;
            foreach (var chunk in _logitChunks)
            {
                chunk.CopyTo(all, offset);
                offset += chunk.Length;
            }
            return tensor(all, new[] { _count, (long)_numClasses });
        }
    }

    /// <summary>All labels added so far, [N] int64 on the CPU; a new tensor the caller owns.</summary>
    public Tensor Labels => tensor(_labelChunks.SelectMany(c => c).ToArray());

    /// <summary>
    /// Computes the metrics of everything added. Shot groups come from the training counts; a class
    /// with no test image has NaN accuracy and is left out of its group's mean.
    /// </summary>
    /// <param name="trainClassCounts">Training images per class (C entries).</param>
    /// <param name="thresholds">Shot-group boundaries; <see cref="ShotThresholds.Default"/> when null.</param>
    /// <param name="classNames">A name per class; the indices when null.</param>
    /// <exception cref="LivtException">Nothing was added (an empty test set).</exception>
    public EvaluationResult Compute(IReadOnlyList<long> trainClassCounts, ShotThresholds? thresholds = null,
        IReadOnlyList<string>? classNames = null)
    {
        var c = _numClasses;
        if (trainClassCounts.Count != c)
            throw new ArgumentException($"{trainClassCounts.Count} training counts for {c} classes", nameof(trainClassCounts));
        if (classNames is not null && classNames.Count != c)
            throw new ArgumentException($"{classNames.Count} class names for {c} classes", nameof(classNames));
        if (_count == 0)
            throw new LivtException("Evaluation saw no test images: the test set is empty.");
        thresholds ??= ShotThresholds.Default;

        var k = Math.Min(5, c);
        var t = Tally(k);

        var perClass = new double[c];
        for (var j = 0; j < c; j++)
            perClass[j] = t.TestCounts[j] == 0 ? double.NaN : 100.0 * t.CorrectPerClass[j] / t.TestCounts[j];
        var groups = thresholds.Assign(trainClassCounts);

        return new EvaluationResult
        {
            Top1 = 100.0 * t.Top1 / _count,
            Top5 = 100.0 * t.TopK / _count,
            Many = GroupMean(perClass, groups, ShotGroup.Many),
            Medium = GroupMean(perClass, groups, ShotGroup.Medium),
            Few = GroupMean(perClass, groups, ShotGroup.Few),
            Ece = 100.0 * t.Bins.ExpectedCalibrationError(),
            Nll = t.NllSum / _count,
            PerClass = perClass,
            TestCounts = t.TestCounts,
            ClassCounts = trainClassCounts.ToArray(),
            Confusion = t.Confusion,
            ReliabilityConfidence = t.Bins.MeanConfidence,
            ReliabilityAccuracy = t.Bins.Accuracy,
            ReliabilityCount = t.Bins.Counts,
            ClassNames = classNames?.ToArray()
                ?? Enumerable.Range(0, c).Select(j => j.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Thresholds = thresholds,
        };
    }

    /// <summary>One pass over the stored logits: hits, negative log-likelihood, per-class counts, the confusion
    /// matrix and the reliability bins; <paramref name="k"/> is the top-k of the top-5 accuracy.</summary>
    private Totals Tally(int k)
    {
        var c = _numClasses;
        var t = new Totals(c);
        for (var chunkIndex = 0; chunkIndex < _logitChunks.Count; chunkIndex++)
        {
            var chunk = _logitChunks[chunkIndex];
            var labels = _labelChunks[chunkIndex];
            for (var i = 0; i < labels.Length; i++)
            {
                var z = new ReadOnlySpan<float>(chunk, i * c, c);
                var label = (int)labels[i];
                var (predicted, rank) = ArgmaxAndRank(z, label);
                var max = (double)z[predicted];
                double sumExp = 0;
                foreach (var v in z) sumExp += Math.Exp(v - max);

                t.TestCounts[label]++;
                t.Confusion[label, predicted]++;
                if (predicted == label) { t.Top1++; t.CorrectPerClass[label]++; }
                if (rank < k) t.TopK++;
                t.NllSum += Math.Log(sumExp) - (z[label] - max);
                t.Bins.Add(1.0 / sumExp, predicted == label);
            }
        }
        return t;
    }

    private sealed class Totals(int classes)
    {
        public long Top1 { get; set; }
        public long TopK { get; set; }
        public double NllSum { get; set; }
        public long[] TestCounts { get; } = new long[classes];
        public long[] CorrectPerClass { get; } = new long[classes];
        public int[,] Confusion { get; } = new int[classes, classes];
        public ReliabilityBins Bins { get; } = new();
    }

    /// <summary>The predicted class (first maximum, as argmax) and the label's rank under the same
    /// tie-breaking: scores above it, plus equal scores at lower indices.</summary>
    private static (int Predicted, int Rank) ArgmaxAndRank(ReadOnlySpan<float> z, int label)
    {
        var predicted = 0;
        var rank = 0;
        var target = z[label];
        for (var j = 0; j < z.Length; j++)
        {
            if (z[j] > z[predicted]) predicted = j;
            if (z[j] > target || (z[j] == target && j < label)) rank++;
        }
        return (predicted, rank);
    }

    private static double? GroupMean(double[] perClass, ShotGroup[] groups, ShotGroup group)
    {
        var members = perClass.Where((acc, j) => groups[j] == group && !double.IsNaN(acc)).ToArray();
        return members.Length == 0 ? null : members.Average();
    }
}

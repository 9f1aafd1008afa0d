namespace Livt.Evaluation;

/// <summary>
/// Equal-width bins of the max softmax probability, as in Guo et al. (2017) and the official LiVT
/// code: bin b holds confidences in (b/B, (b+1)/B] (right-closed, like <c>np.digitize(right=True)</c>).
/// </summary>
internal sealed class ReliabilityBins
{
    /// <summary>The bin count used for every reported ECE.</summary>
    public const int DefaultBins = 15;

    private readonly double[] _confidenceSum;
    private readonly long[] _correct;
    private readonly long[] _count;

    public ReliabilityBins(int bins = DefaultBins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "at least one bin");
        _confidenceSum = new double[bins];
        _correct = new long[bins];
        _count = new long[bins];
    }

    public int Bins => _count.Length;

    /// <summary>The bin of a confidence in (0, 1].</summary>
    public int BinOf(double confidence)
    {
        // Compare with the edges b/B themselves, so a confidence on an edge lands where the
        // right-closed definition puts it whatever the rounding of confidence·B.
        for (var b = 0; b < Bins - 1; b++)
            if (confidence <= (double)(b + 1) / Bins) return b;
        return Bins - 1;
    }

    public void Add(double confidence, bool correct)
    {
        var b = BinOf(confidence);
        _confidenceSum[b] += confidence;
        _count[b]++;
        if (correct) _correct[b]++;
    }

    public long[] Counts => (long[])_count.Clone();

    public double[] MeanConfidence => Enumerable.Range(0, Bins)
        .Select(b => _count[b] == 0 ? 0.0 : _confidenceSum[b] / _count[b]).ToArray();

    public double[] Accuracy => Enumerable.Range(0, Bins)
        .Select(b => _count[b] == 0 ? 0.0 : (double)_correct[b] / _count[b]).ToArray();

    /// <summary>Σ_b (n_b / n) · |acc_b − conf_b|, a fraction; 0 when nothing was added.</summary>
    public double ExpectedCalibrationError()
    {
        var total = _count.Sum();
        if (total == 0) return 0;
        double ece = 0;
        for (var b = 0; b < Bins; b++)
        {
            if (_count[b] == 0) continue;
            var acc = (double)_correct[b] / _count[b];
            var conf = _confidenceSum[b] / _count[b];
            ece += (double)_count[b] / total * Math.Abs(acc - conf);
        }
        return ece;
    }
}

namespace Livt.Data;

/// <summary>Summary statistics of a dataset: class counts, class prior, per-channel mean and std.</summary>
public static class DatasetStats
{
    /// <summary>Number of samples of each class.</summary>
    public static long[] ClassCounts(IImageDataset d)
    {
        var counts = new long[d.NumClasses];
        for (int i = 0; i < d.Count; i++) counts[d.GetLabel(i)]++;
        return counts;
    }

    /// <summary>The class prior π_c = n_c / Σ n.</summary>
    public static double[] Prior(IImageDataset d)
    {
        long[] counts = ClassCounts(d);
        double total = counts.Sum();
        if (total == 0) throw new LivtException("the class prior of an empty dataset is undefined");
        return counts.Select(n => n / total).ToArray();
    }

    /// <summary>
    /// Per-channel mean and (population) standard deviation over every pixel of every image.
    /// Images are decoded in parallel; per-image sums are combined in index order so the result
    /// does not depend on scheduling.
    /// </summary>
    public static (float[] Mean, float[] Std) MeanStd(IImageDataset d)
    {
        int channels = d.Channels;
        var sums = new double[d.Count * channels];
        var squares = new double[d.Count * channels];
        var pixelCounts = new long[d.Count];
        Parallel.For(0, d.Count, i =>
        {
            var image = d.GetImage(i);
            int plane = image.Height * image.Width;
            var pixels = image.Pixels;
            for (int c = 0; c < channels; c++)
            {
                double s = 0, q = 0;
                for (int p = c * plane, end = p + plane; p < end; p++)
                {
                    double v = pixels[p];
                    s += v;
                    q += v * v;
                }
                sums[i * channels + c] = s;
                squares[i * channels + c] = q;
            }
            pixelCounts[i] = plane;
        });
        long n = pixelCounts.Sum();
        if (n == 0) throw new LivtException("mean/std of an empty dataset is undefined");
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double s = 0, q = 0;
            for (int i = 0; i < d.Count; i++)
            {
                s += sums[i * channels + c];
                q += squares[i * channels + c];
            }
            double m = s / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(0, q / n - m * m));
        }
        return (mean, std);
    }
}

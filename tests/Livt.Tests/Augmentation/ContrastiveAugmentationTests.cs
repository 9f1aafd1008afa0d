using Livt.Augmentation;

namespace Livt.Tests.Augmentation;

/// <summary>The multi-view transform and the colour / blur ops of the contrastive recipes.</summary>
public class ContrastiveAugmentationTests
{
    /// <summary>A left-to-right ramp: a crop's mean tells where it came from, a flip reverses it.</summary>
    private static Image Ramp(int size)
    {
        var img = new Image(1, size, size);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) img[0, y, x] = (x + 0.5f * y) / (1.5f * size);
        return img;
    }

    /// <summary>A statistic of a view that depends on the crop and the flip: the mean of the left half
    /// minus the mean of the right half.</summary>
    private static double Tilt(Image img)
    {
        double left = 0, right = 0;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
                if (x < img.Width / 2) left += img[0, y, x]; else right += img[0, y, x];
        return (left - right) / (img.Height * img.Width / 2.0);
    }

    [Fact]
    public void TwoViewsAreIndependentDrawsEachDistributedAsASingleView()
    {
        var pipeline = new Compose(new RandomResizedCrop(12, 0.08, interpolation: Interpolation.Bilinear), new RandomHorizontalFlip());
        var twoViews = new MultiViewTransform(pipeline, pipeline);
        var source = Ramp(24);
        var original = (float[])source.Pixels.Clone();
        const int samples = 3000;
        var single = new double[samples];
        var first = new double[samples];
        var second = new double[samples];
        int identical = 0;
        for (int i = 0; i < samples; i++)
        {
            single[i] = Tilt(pipeline.Apply(source.Clone(), new Random(1_000_000 + i)));
            var views = twoViews.Apply(source, new Random(i));
            Assert.Equal(2, views.Length);
            first[i] = Tilt(views[0]);
            second[i] = Tilt(views[1]);
            if (views[0].Pixels.SequenceEqual(views[1].Pixels)) identical++;
        }
        Assert.Equal(original, source.Pixels);          // the sample itself is left alone
        Assert.True(identical < samples / 100, $"{identical} of {samples} pairs of views are identical");

        // Each view has the single view's distribution: the quantiles agree (two-sample KS-like bound).
        foreach (var view in new[] { first, second })
            Assert.True(MaxCdfGap(single, view) < 0.05, $"a view's distribution differs from a single view's (gap {MaxCdfGap(single, view):F3})");
        // ... and the two views are uncorrelated (the flip alone would make them ±1 correlated otherwise).
        Assert.InRange(Correlation(first, second), -0.06, 0.06);

        // Deterministic given the sample's generator.
        var again = twoViews.Apply(source, new Random(7));
        var once = twoViews.Apply(source, new Random(7));
        Assert.Equal(once[1].Pixels, again[1].Pixels);
    }

    private static double MaxCdfGap(double[] a, double[] b)
    {
        var sa = a.Order().ToArray();
        var sb = b.Order().ToArray();
        double gap = 0;
        foreach (var v in sa.Concat(sb))
        {
            double fa = UpperBound(sa, v) / (double)sa.Length, fb = UpperBound(sb, v) / (double)sb.Length;
            gap = Math.Max(gap, Math.Abs(fa - fb));
        }
        return gap;
    }

    private static int UpperBound(double[] sorted, double v)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] <= v) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double cov = a.Zip(b, (x, y) => (x - ma) * (y - mb)).Sum();
        return cov / Math.Sqrt(a.Sum(x => (x - ma) * (x - ma)) * b.Sum(y => (y - mb) * (y - mb)));
    }

    [Fact]
    public void OnGrayscaleImagesColourJitterIsBrightnessAndContrastAndGrayscaleIsTheIdentity()
    {
        var gray = TestImages.Random(1, 8, 8, seed: 3);
        var untouched = (float[])gray.Pixels.Clone();
        new ColorJitter(0, 0, 0.4, 0.1).Apply(gray, new Random(1));
        new RandomGrayscale(1.0).Apply(gray, new Random(1));
        Assert.Equal(untouched, gray.Pixels);

        var jittered = new ColorJitter(0.4, 0.4, 0, 0).Apply(gray.Clone(), new Random(2));
        Assert.NotEqual(untouched, jittered.Pixels);
        Assert.All(jittered.Pixels, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void HueShiftsRotateColourAndKeepValueAndGrays()
    {
        var rgb = TestImages.Random(3, 6, 6, seed: 5);
        rgb[0, 0, 1] = rgb[1, 0, 1] = rgb[2, 0, 1] = 0.3f;                     // a gray pixel
        rgb[0, 0, 2] = 0.9f; rgb[1, 0, 2] = 0.2f; rgb[2, 0, 2] = 0.1f;         // a red one
        var shifted = rgb.Clone();
        ColorOps.Hue(shifted, 1f / 3);                                         // red → green
        Assert.Equal(0.3f, shifted[1, 0, 1]);
        Assert.Equal(0.1f, shifted[0, 0, 2], 5);
        Assert.Equal(0.9f, shifted[1, 0, 2], 5);
        Assert.Equal(0.2f, shifted[2, 0, 2], 5);

        // Three thirds of a turn come back.
        ColorOps.Hue(shifted, 1f / 3);
        ColorOps.Hue(shifted, 1f / 3);
        for (int i = 0; i < rgb.Pixels.Length; i++) Assert.Equal(rgb.Pixels[i], shifted.Pixels[i], 4);

        var jittered = new ColorJitter(0, 0, 0, 0.5).Apply(rgb.Clone(), new Random(9));
        Assert.Equal(0.3f, jittered[2, 0, 1]);
        Assert.NotEqual(rgb.Pixels, jittered.Pixels);
    }

    [Fact]
    public void RandomGrayscaleUsesPilLumaInEveryChannel()
    {
        var rgb = TestImages.Random(3, 4, 4, seed: 8);
        var gray = new RandomGrayscale(1.0).Apply(rgb.Clone(), new Random(0));
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(gray.Pixels[i], gray.Pixels[i + 16]);
            Assert.Equal(gray.Pixels[i], gray.Pixels[i + 32]);
            double luma = 0.299 * rgb.Pixels[i] + 0.587 * rgb.Pixels[i + 16] + 0.114 * rgb.Pixels[i + 32];
            Assert.InRange(gray.Pixels[i], luma - 1.5 / 255, luma + 1.5 / 255);
        }
    }

    [Fact]
    public void GaussianBlurKeepsConstantsAndSpreadsAnImpulseSymmetrically()
    {
        var flat = new Image(1, 9, 9);
        Array.Fill(flat.Pixels, 0.4f);
        new GaussianBlur(1, 1).Apply(flat, new Random(0));
        Assert.All(flat.Pixels, p => Assert.Equal(0.4f, p, 5));

        var impulse = new Image(1, 9, 9);
        impulse[0, 4, 4] = 1;
        new GaussianBlur(1, 1).Apply(impulse, new Random(0));
        Assert.Equal(1f, impulse.Pixels.Sum(), 4);
        Assert.Equal(impulse[0, 4, 3], impulse[0, 4, 5], 6);
        Assert.Equal(impulse[0, 3, 4], impulse[0, 4, 5], 6);
        Assert.True(impulse[0, 4, 4] < 0.2f && impulse[0, 4, 4] > impulse[0, 4, 5]);
    }

    [Theory]
    [InlineData(1, 28)]
    [InlineData(3, 32)]
    public void EveryMethodsPipelineMakesItsViews(int channels, int size)
    {
        var mean = Enumerable.Repeat(0.3f, channels).ToArray();
        var std = Enumerable.Repeat(0.35f, channels).ToArray();
        var source = TestImages.Random(channels, size, size, seed: 4);
        foreach (var (pipeline, views) in new[]
                 {
                     (ContrastivePipelines.Gpaco(size, mean, std), 2), (ContrastivePipelines.Paco(size, mean, std), 2),
                     (ContrastivePipelines.Bcl(size, mean, std), 3),
                     (ContrastivePipelines.ResCom(size, mean, std), 2), (ContrastivePipelines.Tsc(size, mean, std), 2),
                 })
        {
            var images = pipeline.Apply(source, new Random(11));
            Assert.Equal(views, images.Length);
            Assert.All(images, v => Assert.Equal((channels, size, size), (v.Channels, v.Height, v.Width)));
            Assert.All(images, v => Assert.All(v.Pixels, p => Assert.True(float.IsFinite(p))));
        }
    }
}

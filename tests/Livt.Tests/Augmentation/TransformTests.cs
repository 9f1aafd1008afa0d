using Livt.Augmentation;

namespace Livt.Tests.Augmentation;

public class TransformTests
{
    [Fact]
    public void RandomResizedCropStaysWithinScaleRatioAndImage()
    {
        var rrc = new RandomResizedCrop(16, 0.08, 1.0);
        var rng = new Random(7);
        double minArea = 1, maxArea = 0;
        for (int i = 0; i < 3000; i++)
        {
            var (top, left, h, w) = rrc.SampleCrop(120, 90, rng);
            Assert.InRange(top, 0, 120 - h);
            Assert.InRange(left, 0, 90 - w);
            double area = (double)h * w / (120 * 90);
            // w and h are rounded to whole pixels, so bounds hold up to one pixel per side
            Assert.InRange(area, 0.08 * (1 - 2.0 / Math.Sqrt(0.08 * 120 * 90)), 1.0);
            Assert.InRange((double)w / h, 0.75 * (1 - 1.0 / h) - 1.0 / h, 4.0 / 3 * (1 + 1.0 / w) + 1.0 / h);
            (minArea, maxArea) = (Math.Min(minArea, area), Math.Max(maxArea, area));
        }
        Assert.True(minArea < 0.12 && maxArea > 0.9, $"crop areas only span [{minArea}, {maxArea}]");
        var outImg = rrc.Apply(TestImages.Random(3, 120, 90, 1), new Random(3));
        Assert.Equal((3, 16, 16), (outImg.Channels, outImg.Height, outImg.Width));
        Assert.All(outImg.Pixels, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void RandomResizedCropFallsBackToCentreCropWithClampedRatio()
    {
        // a 10×200 strip cannot hold a 90–100 % crop with ratio ≤ 4/3, so torchvision's fallback applies
        var rrc = new RandomResizedCrop(8, 0.9, 1.0);
        Assert.Equal((0, 93, 10, 13), rrc.SampleCrop(10, 200, new Random(1)));
    }

    [Fact]
    public void FlipMirrorsEachRowOrNothing()
    {
        var img = TestImages.Indexed(3, 4, 5);
        var flipped = new RandomHorizontalFlip(1.0).Apply(img.Clone(), new Random(1));
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 5; x++) Assert.Equal(img[c, y, 4 - x], flipped[c, y, x]);
        Assert.Equal(img.Pixels, new RandomHorizontalFlip(0.0).Apply(img.Clone(), new Random(1)).Pixels);
    }

    [Fact]
    public void NormalizeUsesPerChannelOrSharedStatistics()
    {
        var img = new Image(3, 1, 2, [0.5f, 1f, 0.2f, 0.4f, 0f, 1f]);
        new Normalize([0.5f, 0.2f, 0.5f], [0.5f, 0.1f, 0.25f]).Apply(img, new Random(0));
        Assert.Equal(new[] { 0f, 1f, 0f, 2f, -2f, 2f }, img.Pixels.Select(v => MathF.Round(v, 5)));
        var gray = new Image(1, 1, 2, [0.298f, 0.653f]);
        new Normalize([0.298f], [0.355f]).Apply(gray, new Random(0));
        Assert.Equal(0f, gray.Pixels[0], 5);
        Assert.Equal(1f, gray.Pixels[1], 5);
        Assert.Throws<ArgumentException>(() => new Normalize([0.1f, 0.2f, 0.3f], [1f, 1f, 1f]).Apply(new Image(1, 2, 2), new Random(0)));
    }

    [Fact]
    public void RandomErasingPastesOneNormalNoiseRectangleOfBoundedArea()
    {
        var erase = new RandomErasing(1.0, "pixel");
        var rng = new Random(11);
        var noise = new List<float>();
        for (int trial = 0; trial < 300; trial++)
        {
            var img = new Image(3, 40, 30);
            Array.Fill(img.Pixels, 100f);
            erase.Apply(img, rng);
            var changed = Enumerable.Range(0, 40 * 30).Where(i => img.Pixels[i] != 100f).ToArray();
            if (changed.Length == 0) continue; // all 10 attempts missed: allowed, rare
            int y0 = changed.Min(i => i / 30), y1 = changed.Max(i => i / 30), x0 = changed.Min(i => i % 30), x1 = changed.Max(i => i % 30);
            Assert.Equal((y1 - y0 + 1) * (x1 - x0 + 1), changed.Length); // one solid rectangle
            double fraction = changed.Length / 1200.0;
            Assert.InRange(fraction, 0.02 * 0.6, 1.0 / 3 * 1.4);
            for (int c = 1; c < 3; c++) // the same rectangle in every channel
                Assert.Equal(changed.Length, Enumerable.Range(c * 1200, 1200).Count(i => img.Pixels[i] != 100f));
            noise.AddRange(changed.Select(i => img.Pixels[i]));
        }
        double mean = noise.Average(), std = Math.Sqrt(noise.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.05, 0.05);
        Assert.InRange(std, 0.95, 1.05);
        Assert.True(noise.Distinct().Count() > noise.Count * 0.99, "erased values are not per-pixel random");
    }

    [Fact]
    public void RandomErasingFiresWithItsProbability()
    {
        var erase = new RandomErasing(0.25);
        var rng = new Random(5);
        int erased = 0;
        for (int i = 0; i < 2000; i++)
        {
            var img = new Image(1, 20, 20);
            erase.Apply(img, rng);
            if (img.Pixels.Any(v => v != 0)) erased++;
        }
        Assert.InRange(erased / 2000.0, 0.21, 0.29);
        Assert.Throws<LivtException>(() => new RandomErasing(0.5, "blur"));
    }

    [Fact]
    public void EvalResizesShorterSideTo32AndCropsTheCentre28()
    {
        var eval = new ResizeCenterCrop(28);
        Assert.Equal(32, eval.ScaleSize);
        Assert.Equal(256, new ResizeCenterCrop(224).ScaleSize);
        foreach (var (h, w, top, left) in new[] { (28, 28, 2, 2), (28, 40, 2, 8), (50, 28, 14, 2) })
        {
            var img = TestImages.Random(1, h, w, h * w);
            var outImg = eval.Apply(img, new Random(0));
            Assert.Equal((1, 28, 28), (outImg.Channels, outImg.Height, outImg.Width));
            int fullH = h <= w ? 32 : 32 * h / w, fullW = h <= w ? 32 * w / h : 32;
            var full = Resampler.Resize(img, 0, 0, h, w, fullH, fullW, Interpolation.Bicubic, clamp: true);
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                    Assert.Equal(full[0, top + y, left + x], outImg[0, y, x], 5);
        }
        var flat = new Image(3, 28, 28);
        Array.Fill(flat.Pixels, 0.3f);
        Assert.All(eval.Apply(flat, new Random(0)).Pixels, v => Assert.Equal(0.3f, v, 5));
    }

    [Fact]
    public void ResizeProducesTheRequestedSizeAndKeepsConstants()
    {
        var img = new Image(3, 50, 70);
        Array.Fill(img.Pixels, 0.6f);
        foreach (var interp in new[] { Interpolation.Bilinear, Interpolation.Bicubic })
        {
            var outImg = new Resize(13, 90, interp).Apply(img, new Random(0));
            Assert.Equal((13, 90), (outImg.Height, outImg.Width));
            Assert.All(outImg.Pixels, v => Assert.Equal(0.6f, v, 5));
        }
    }

    [Fact]
    public void PipelinesChainTheRecipeAndSkipDisabledSteps()
    {
        float[] mean = [0.298f], std = [0.355f];
        var bft = Assert.IsType<Compose>(TransformPipelines.BftTrain(new AugmentationOptions { InputSize = 28 }, mean, std));
        Assert.Equal(new[] { typeof(RandomResizedCrop), typeof(RandomHorizontalFlip), typeof(RandAugment), typeof(Normalize), typeof(RandomErasing) },
            bft.Transforms.Select(t => t.GetType()));
        var bare = Assert.IsType<Compose>(TransformPipelines.BftTrain(
            new AugmentationOptions { InputSize = 28, RandAugment = null, ReProb = 0, HorizontalFlip = false }, mean, std));
        Assert.Equal(new[] { typeof(RandomResizedCrop), typeof(Normalize) }, bare.Transforms.Select(t => t.GetType()));
        var mgp = Assert.IsType<Compose>(TransformPipelines.MgpTrain(28, mean, std));
        Assert.Equal(new[] { typeof(RandomResizedCrop), typeof(RandomHorizontalFlip), typeof(Normalize) }, mgp.Transforms.Select(t => t.GetType()));

        var img = TestImages.Random(1, 28, 28, 3);
        var a = bft.Apply(img.Clone(), new Random(42));
        var b = bft.Apply(img.Clone(), new Random(42));
        Assert.Equal((1, 28, 28), (a.Channels, a.Height, a.Width));
        Assert.Equal(a.Pixels, b.Pixels);
        var rgb = TransformPipelines.Eval(224, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]).Apply(TestImages.Random(3, 300, 400, 4), new Random(0));
        Assert.Equal((3, 224, 224), (rgb.Channels, rgb.Height, rgb.Width));
    }

    [Fact]
    public void RandomCropWithPaddingIsAShiftedCopyWithZeroBorders()
    {
        var source = TestImages.Random(3, 6, 6, 3);
        Assert.Equal(source.Pixels, new RandomCrop(6).Apply(source.Clone(), new Random(1)).Pixels);
        var offsets = new HashSet<(int, int)>();
        var rng = new Random(2);
        for (int trial = 0; trial < 200; trial++)
        {
            var crop = new RandomCrop(6, padding: 2).Apply(source.Clone(), rng);
            Assert.Equal((3, 6, 6), (crop.Channels, crop.Height, crop.Width));
            // Find the shift (dy, dx) in [−2, 2]² that explains every pixel: source inside, 0 outside.
            var shift = (from dy in Enumerable.Range(-2, 5) from dx in Enumerable.Range(-2, 5)
                         where Enumerable.Range(0, 3 * 36).All(i =>
                         {
                             int c = i / 36, y = i % 36 / 6, x = i % 6, sy = y + dy, sx = x + dx;
                             float expected = sy is >= 0 and < 6 && sx is >= 0 and < 6 ? source[c, sy, sx] : 0f;
                             return crop[c, y, x] == expected;
                         })
                         select (dy, dx)).Single();
            offsets.Add(shift);
        }
        Assert.Equal(25, offsets.Count);
    }
}

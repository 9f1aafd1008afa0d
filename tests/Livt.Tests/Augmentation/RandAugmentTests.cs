using Livt.Augmentation;

namespace Livt.Tests.Augmentation;

public class RandAugmentTests
{
    [Fact]
    public void ParsesTheTimmSpec()
    {
        var ra = RandAugment.Parse("rand-m9-mstd0.5-inc1");
        Assert.Equal((2, 9.0, 0.5, 10.0, 0.5), (ra.NumLayers, ra.Magnitude, ra.MagnitudeStd, ra.MagnitudeMax, ra.Probability));
        Assert.Equal(RandAugmentOps.Increasing, ra.Ops);
        Assert.Equal(15, ra.Ops.Count);
        var other = RandAugment.Parse("rand-n3-m7-p0.8-mstd200");
        Assert.Equal((3, 7.0, 0.8), (other.NumLayers, other.Magnitude, other.Probability));
        Assert.True(double.IsPositiveInfinity(other.MagnitudeStd));
        Assert.Equal(RandAugmentOps.Standard, other.Ops);
        foreach (var bad in new[] { "augmix-m9", "rand-m9-q4", "rand-mx", "rand-p1.5" })
            Assert.Contains(bad, Assert.Throws<LivtException>(() => RandAugment.Parse(bad)).Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void OutputStaysInRangeIsDeterministicAndVariesPerSample(int channels)
    {
        var ra = RandAugment.Parse("rand-m9-mstd0.5-inc1", [0.3f]);
        var source = TestImages.Random(channels, 24, 20, 9);
        var outputs = new List<float[]>();
        for (int seed = 0; seed < 200; seed++)
        {
            var a = ra.Apply(source.Clone(), new Random(seed));
            var b = ra.Apply(source.Clone(), new Random(seed));
            Assert.Equal((channels, 24, 20), (a.Channels, a.Height, a.Width));
            Assert.Equal(a.Pixels, b.Pixels);
            Assert.All(a.Pixels, v => Assert.InRange(v, 0f, 1f));
            outputs.Add(a.Pixels);
        }
        int distinct = outputs.Select(p => string.Join(",", p.Take(60))).Distinct().Count();
        Assert.True(distinct > 100, $"only {distinct} distinct outputs from 200 seeds");
        // with two ops at p 0.5 about a quarter of the samples pass through untouched
        int unchanged = outputs.Count(p => p.SequenceEqual(source.Pixels));
        Assert.InRange(unchanged, 25, 80);
    }

    [Fact]
    public void EveryOpKeepsShapeAndRangeAndChangesTheImage()
    {
        foreach (var op in Enum.GetValues<RandAugmentOp>())
            foreach (int channels in new[] { 1, 3 })
            {
                var src = TestImages.Random(channels, 12, 14, (int)op);
                for (int i = 0; i < src.Pixels.Length; i++) src.Pixels[i] = 0.2f + 0.6f * src.Pixels[i]; // leaves room for autocontrast
                var outImg = RandAugmentOps.Apply(op, src.Clone(), 9, new Random(1), [0.5f]);
                Assert.Equal((channels, 12, 14), (outImg.Channels, outImg.Height, outImg.Width));
                Assert.All(outImg.Pixels, v => Assert.InRange(v, 0f, 1f));
                bool colourOnGray = channels == 1 && op is RandAugmentOp.Color or RandAugmentOp.ColorIncreasing;
                Assert.True(colourOnGray != !outImg.Pixels.SequenceEqual(src.Pixels), $"{op} on {channels} channel(s)");
            }
    }

    [Fact]
    public void MagnitudeMapsToTimmArguments()
    {
        var img = TestImages.Random(3, 10, 10, 2);
        // PosterizeIncreasing at m 9 keeps 4 − int(3.6) = 1 bit
        var post = RandAugmentOps.Apply(RandAugmentOp.PosterizeIncreasing, img.Clone(), 9, new Random(0), [0.5f]);
        Assert.All(post.Pixels, v => Assert.True(v == 0f || v == 128f / 255f));
        // SolarizeIncreasing at m 9 inverts levels >= 256 − int(230.4) = 26
        var sol = RandAugmentOps.Apply(RandAugmentOp.SolarizeIncreasing, new Image(1, 1, 3, [25f / 255, 26f / 255, 1f]), 9, new Random(0), [0.5f]);
        Assert.Equal(new[] { 25f / 255, 229f / 255, 0f }, sol.Pixels);
        // SolarizeAdd at m 9 adds int(99) below 128
        var add = RandAugmentOps.Apply(RandAugmentOp.SolarizeAdd, new Image(1, 1, 3, [10f / 255, 200f / 255, 127f / 255]), 9, new Random(0), [0.5f]);
        Assert.Equal(new[] { 109f / 255, 200f / 255, 226f / 255 }, add.Pixels);
        // Rotate at m 9 is ±27°
        var rot = RandAugmentOps.Apply(RandAugmentOp.Rotate, img.Clone(), 9, new Random(0), [0.5f]);
        var plus = AffineWarp.Rotate(img, 27, [0.5f]).Pixels;
        var minus = AffineWarp.Rotate(img, -27, [0.5f]).Pixels;
        Assert.True(rot.Pixels.SequenceEqual(plus) || rot.Pixels.SequenceEqual(minus));
        // BrightnessIncreasing at m 9 scales by 1 ± 0.81
        var bright = RandAugmentOps.Apply(RandAugmentOp.BrightnessIncreasing, new Image(1, 1, 1, [0.5f]), 9, new Random(0), [0.5f]);
        Assert.True(Math.Abs(bright.Pixels[0] - 0.905f) < 1e-5 || Math.Abs(bright.Pixels[0] - 0.095f) < 1e-5, $"{bright.Pixels[0]}");
    }

    [Fact]
    public void TranslateAndShearMoveWholePixelsAndFillTheRest()
    {
        var img = TestImages.Indexed(1, 4, 6);
        var moved = AffineWarp.Translate(img, 2, 0, [-1f]);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++) Assert.Equal(x + 2 < 6 ? img[0, y, x + 2] : -1f, moved[0, y, x], 4);
        // shear 2: the output point (x + ½, y + ½) samples input x + ½ + 2y + 1, i.e. column x + 2y + 1
        var sheared = AffineWarp.ShearX(img, 2, [-1f]);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++) Assert.Equal(x + 2 * y + 1 < 6 ? img[0, y, x + 2 * y + 1] : -1f, sheared[0, y, x], 4);
        // half a pixel off the edge blends half image, half fill
        var half = AffineWarp.Translate(img, 0, 0.5, [-1f]);
        Assert.Equal(0.5f * img[0, 3, 1] + 0.5f * -1f, half[0, 3, 1], 4);
        Assert.Equal(0.5f * img[0, 0, 1] + 0.5f * img[0, 1, 1], half[0, 0, 1], 4);
    }

    [Fact]
    public void EqualizeAndAutoContrastUseFullRangeOnQuantisedLevels()
    {
        var img = new Image(1, 1, 4, [50f / 255, 100f / 255, 100f / 255, 150f / 255]);
        ColorOps.AutoContrast(img);
        Assert.Equal(new[] { 0f, 127f / 255, 127f / 255, 1f }, img.Pixels); // int(50 · 2.55) = 127 as PIL
        var eq = new Image(1, 1, 4, [10f / 255, 10f / 255, 20f / 255, 30f / 255]);
        ColorOps.Equalize(eq);
        // step = (4 − 1) // 255 = 0 → PIL leaves it unchanged
        Assert.Equal(new[] { 10f / 255, 10f / 255, 20f / 255, 30f / 255 }, eq.Pixels);
    }
}

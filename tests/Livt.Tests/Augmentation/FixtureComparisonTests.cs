using System.Text.Json;
using Livt.Augmentation;

namespace Livt.Tests.Augmentation;

/// <summary>Our resampling and ops against torch / torchvision / PIL outputs (fixtures/augmentation/generate_fixtures.py).</summary>
public class FixtureComparisonTests
{
    private static IEnumerable<JsonElement> Cases(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "augmentation", file);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }

    private static float[] Floats(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static Image ImageOf(JsonElement c, float[] pixels) =>
        new(c.GetProperty("channels").GetInt32(), c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32(), pixels);

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{name}: element {i} is {actual[i]}, expected {expected[i]} (±{tolerance})");
    }

    [Fact]
    public void ResizeMatchesTorchInterpolate()
    {
        var cases = Cases("resize.json");
        Assert.Equal(8, cases.Count());
        foreach (var c in cases)
        {
            var img = ImageOf(c, Floats(c, "input"));
            var interp = c.GetProperty("interpolation").GetString() == "bicubic" ? Interpolation.Bicubic : Interpolation.Bilinear;
            var outImg = Resampler.Resize(img, 0, 0, img.Height, img.Width,
                c.GetProperty("outHeight").GetInt32(), c.GetProperty("outWidth").GetInt32(), interp, clamp: false);
            AssertClose(Floats(c, "output"), outImg.Pixels, 1e-4f, c.GetProperty("name").GetString()!);
        }
    }

    [Fact]
    public void RotateMatchesTorchvisionAffineGrid()
    {
        foreach (var c in Cases("rotate.json"))
        {
            var img = ImageOf(c, Floats(c, "input"));
            var outImg = AffineWarp.Rotate(img, c.GetProperty("degrees").GetDouble(), Floats(c, "fill"));
            AssertClose(Floats(c, "output"), outImg.Pixels, 1e-4f, c.GetProperty("name").GetString()!);
        }
    }

    [Fact]
    public void PointAndEnhanceOpsMatchPil()
    {
        var cases = Cases("pil_ops.json").ToList();
        Assert.Equal(32, cases.Count);
        foreach (var c in cases)
        {
            var img = ImageOf(c, Floats(c, "inputLevels").Select(v => v / 255f).ToArray());
            var arg = c.GetProperty("arg");
            string op = c.GetProperty("op").GetString()!;
            float F() => arg.GetSingle();
            int I() => arg.GetInt32();
            // Table ops are exact on 8-bit levels; PIL rounds blends to uint8, so allow one level there.
            float tolerance = 1e-5f;
            switch (op)
            {
                case "equalize": ColorOps.Equalize(img); break;
                case "autocontrast": ColorOps.AutoContrast(img); break;
                case "invert": ColorOps.Invert(img); break;
                case "posterize": ColorOps.Posterize(img, I()); break;
                case "solarize": ColorOps.Solarize(img, I()); break;
                case "solarize_add": ColorOps.SolarizeAdd(img, I()); break;
                case "brightness": ColorOps.Brightness(img, F()); tolerance = 1.001f / 255; break;
                case "contrast": ColorOps.Contrast(img, F()); tolerance = 1.001f / 255; break;
                case "color": ColorOps.Color(img, F()); tolerance = 1.001f / 255; break;
                case "sharpness": ColorOps.Sharpness(img, F()); tolerance = 1.001f / 255; break;
                default: throw new InvalidOperationException(op);
            }
            AssertClose(Floats(c, "outputLevels").Select(v => v / 255f).ToArray(), img.Pixels, tolerance, c.GetProperty("name").GetString()!);
        }
    }
}

// Classifies images with a model exported by `livt export --onnx`, using ONNX Runtime and SkiaSharp only.
// Usage: dotnet run -- model.onnx IMAGE... [--top-k K]
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

var files = args.Where((a, i) => !a.StartsWith("--") && (i == 0 || args[i - 1] != "--top-k")).ToArray();
int topK = Array.IndexOf(args, "--top-k") is var at and >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 5;
if (files.Length < 2)
{
    Console.Error.WriteLine("usage: OnnxClassify model.onnx IMAGE... [--top-k K]");
    return 2;
}

using var session = new InferenceSession(files[0]);

// Everything needed to use the model is in its metadata: class names and the preprocessing.
var meta = session.ModelMetadata.CustomMetadataMap;
var classes = JsonSerializer.Deserialize<string[]>(meta["livt.class_names"])!;
int size = int.Parse(meta["livt.input_size"], CultureInfo.InvariantCulture);
int channels = int.Parse(meta["livt.in_chans"], CultureInfo.InvariantCulture);
double cropPct = double.Parse(meta["livt.crop_pct"], CultureInfo.InvariantCulture);
Console.WriteLine($"{files[0]}: {classes.Length} classes, {channels}×{size}×{size} input, prior adjustment: {meta["livt.test_prior"]}");

// One batch of all images: the batch dimension of the graph is dynamic. Pixels are floats in [0, 1]
// in planar [N, C, H, W] order; the graph normalises them itself.
var images = files[1..];
var batch = new float[images.Length * channels * size * size];
for (int i = 0; i < images.Length; i++)
    Preprocess(images[i], size, channels, cropPct).CopyTo(batch, i * channels * size * size);

using var input = OrtValue.CreateTensorValueFromMemory(batch, [images.Length, channels, size, size]);
using var runOptions = new RunOptions();
using var outputs = session.Run(runOptions, ["image"], [input], ["probabilities"]);
var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();

for (int i = 0; i < images.Length; i++)
{
    var row = probabilities.AsSpan(i * classes.Length, classes.Length).ToArray();
    Console.WriteLine(images[i]);
    foreach (var c in Enumerable.Range(0, classes.Length).OrderByDescending(c => row[c]).Take(topK))
        Console.WriteLine($"  {classes[c],-20} {row[c]:P2}");
}
return 0;

// Livt's evaluation preprocessing: the shorter side to floor(size / cropPct) with bicubic resampling
// (Catmull-Rom, the a = -0.5 cubic of PIL and torchvision), then the central size×size crop. Livt's own
// resampler antialiases when it shrinks an image; Skia's cubic does not, so large downscales differ slightly.
static float[] Preprocess(string path, int size, int channels, double cropPct)
{
    using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not a decodable image");
    int scale = (int)Math.Floor(size / cropPct + 1e-9);
    var (w, h) = decoded.Width <= decoded.Height
        ? (scale, (int)((long)scale * decoded.Height / decoded.Width))
        : ((int)((long)scale * decoded.Width / decoded.Height), scale);
    using var resized = decoded.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKCubicResampler.CatmullRom));
    int left = (int)Math.Round((w - size) / 2.0), top = (int)Math.Round((h - size) / 2.0);
    var pixels = new float[channels * size * size];
    int plane = size * size;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            var p = resized.GetPixel(left + x, top + y);
            if (channels == 1)
                pixels[y * size + x] = (p.Red * 0.299f + p.Green * 0.587f + p.Blue * 0.114f) / 255f;
            else
            {
                pixels[y * size + x] = p.Red / 255f;
                pixels[plane + y * size + x] = p.Green / 255f;
                pixels[2 * plane + y * size + x] = p.Blue / 255f;
            }
        }
    return pixels;
}

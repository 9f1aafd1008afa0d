using Google.Protobuf;
using Livt.Augmentation;
using Livt.Data;
using Livt.Inference;
using Livt.Interop;
using Livt.Interop.Onnx;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Data;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Interop;

/// <summary>Models, real Fashion-MNIST test images and checkpoints for the ONNX tests.</summary>
internal static class OnnxFixtures
{
    /// <summary>Fashion-MNIST-LT statistics, about what the quick start computes (any positive values would do).</summary>
    public static readonly float[] Mean = [0.298f], Std = [0.355f];

    /// <summary>Training counts of Fashion-MNIST-LT at IF 100.</summary>
    public static readonly long[] Counts = [6000, 3596, 2156, 1292, 774, 464, 278, 166, 100, 60];

    private static readonly Lazy<IImageDataset> Test = new(() => DatasetCatalog.Load(new DatasetOptions { DataDir = DataFixtures.FashionMnistDir, AllowDownload = false }).Test);

    /// <summary>A ViT-Ti-shaped model (D192, 3 heads) cut to depth 2 at 32-px RGB input so the tests stay fast.</summary>
    public static VitConfig TiShaped(bool globalPool) => new()
    {
        ImageSize = 32, PatchSize = 4, InChans = 3, EmbedDim = 192, Depth = 2, NumHeads = 3, NumClasses = 10, GlobalPool = globalPool,
    };

    /// <summary>The model with MAE's initialisation and then every parameter shifted by N(0, 0.05²):
    /// LayerNorm weights ≠ 1, biases ≠ 0 and a head of ordinary size, so a mis-wired tensor shows.</summary>
    public static VisionTransformer RandomModel(VitConfig config, int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new VisionTransformer(config);
        using (torch.no_grad())
            foreach (var p in model.parameters())
                p.add_(torch.randn_like(p) * 0.05);
        model.eval();
        return model;
    }

    public static OnnxModelInfo Info(VitConfig c, float[]? mean = null, float[]? std = null) => new()
    {
        ClassNames = DatasetCatalog.FashionMnistClasses.ToArray(), InputSize = c.ImageSize, InChans = c.InChans,
        Mean = mean ?? Mean, Std = std ?? Std, CropPct = TransformPipelines.DefaultCropPct(c.ImageSize), LivtVersion = LivtRuntime.Version,
    };

    /// <summary>The model exported and loaded by ONNX Runtime.</summary>
    public static OnnxClassifier Export(VisionTransformer model, OnnxModelInfo info, double[]? offset = null) =>
        OnnxClassifier.Load(VitOnnxExporter.Build(model, info, offset).ToByteArray(), "test model");

    /// <summary>The first <paramref name="n"/> real Fashion-MNIST test images (grey replicated to
    /// <paramref name="channels"/>), resized and cropped as Livt's evaluation transform does: the [0, 1]
    /// batch ONNX Runtime takes, and the batch Livt's full evaluation transform (with Normalize) makes.</summary>
    public static (float[] Raw, Tensor Normalised) Images(int n, int size, int channels, float[] mean, float[] std)
    {
        var crop = new ResizeCenterCrop(size, TransformPipelines.DefaultCropPct(size));
        var eval = TransformPipelines.Eval(size, mean, std);
        var raw = new List<float>();
        var normalised = new List<float>();
        for (int i = 0; i < n; i++)
        {
            var grey = Test.Value.GetImage(i);
            var img = new Image(channels, grey.Height, grey.Width,
                Enumerable.Repeat(grey.Pixels, channels).SelectMany(p => p).ToArray());
            raw.AddRange(crop.Apply(img.Clone(), new Random(0)).Pixels);
            normalised.AddRange(eval.Apply(img, new Random(0)).Pixels);
        }
        return (raw.ToArray(), torch.tensor(normalised.ToArray(), [n, channels, size, size]));
    }

    /// <summary>Livt's logits for a normalised batch.</summary>
    public static float[] LivtLogits(ClassifierModel model, Tensor images)
    {
        using var noGrad = torch.no_grad();
        using var logits = model.forward(images);
        return logits.data<float>().ToArray();
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max();
    }

    /// <summary>Saves <paramref name="model"/> as a fine-tuned Livt checkpoint trained with <paramref name="loss"/>.</summary>
    public static string SaveCheckpoint(VisionTransformer model, string dir, string loss)
    {
        var path = Path.Combine(dir, ModelCheckpoint.FileName);
        ModelCheckpoint.Save(path, model, new ModelMetadata
        {
            Kind = "vit", Model = model.Config, Mean = Mean, Std = Std, ClassNames = DatasetCatalog.FashionMnistClasses.ToArray(),
            ClassCounts = Counts, Dataset = "fashion-mnist-lt", Imbalance = 100, Seed = 0, Loss = loss,
        });
        return path;
    }

    /// <summary>Writes the first <paramref name="n"/> real Fashion-MNIST test images as PNG files.</summary>
    public static string[] WritePngs(string dir, int n)
    {
        var files = new string[n];
        for (int i = 0; i < n; i++)
        {
            var img = Test.Value.GetImage(i);
            using var bitmap = new SKBitmap(img.Width, img.Height);
            for (int y = 0; y < img.Height; y++)
                for (int x = 0; x < img.Width; x++)
                {
                    byte v = (byte)Math.Round(img[0, y, x] * 255);
                    bitmap.SetPixel(x, y, new SKColor(v, v, v));
                }
            files[i] = Path.Combine(dir, $"test{i}_label{Test.Value.GetLabel(i)}.png");
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(files[i], data.ToArray());
        }
        return files;
    }
}

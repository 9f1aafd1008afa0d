using System.Text;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Inference;
using Livt.Interop;
using Livt.Models;
using Livt.Optimization;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Fuzz;

/// <summary>Every reader of bytes that come from outside: each is fed whole files, written into the input's scratch folder.</summary>
public static class Targets
{
    private static readonly VitConfig Tiny = new()
    {
        ImageSize = 8, PatchSize = 4, InChans = 1, EmbedDim = 8, Depth = 1, NumHeads = 2, NumClasses = 3,
        DecoderEmbedDim = 8, DecoderDepth = 1, DecoderNumHeads = 2,
    };

    private static ModelMetadata Metadata(string kind, int experts = 0) => new()
    {
        Kind = kind, Model = Tiny, Mean = [0.3f], Std = [0.35f], ClassNames = ["a", "b", "c"], ClassCounts = [50, 10, 2],
        Dataset = "fuzz", Imbalance = 25, Seed = 1, Loss = "bal-bce", Experts = experts, ExpertDepth = experts > 0 ? 1 : 0,
    };

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("safetensors", "SafeTensors.Read: header length, JSON header (UTF-8, dtypes, shapes, offsets), data, SHA-256", SafeTensorsSeeds,
            (input, dir) => { using var _ = SafeTensors.Read(Write(dir, "w.safetensors", input)); }),
        new("model", "ModelCheckpoint.LoadModel (predict/evaluate/export): livt.* metadata, the model it describes, strict load", ModelSeeds,
            (input, dir) =>
            {
                var (model, _) = ModelCheckpoint.LoadModel(Write(dir, "model.safetensors", input), CPU);
                model.Dispose();
            }),
        new("pth", "PyTorchCheckpoint.Read: torch.save's zip + pickle", PthSeeds,
            (input, dir) => { using var _ = WeightsFile.Open(Write(dir, "w.pth", input)); }, ZipEntryMutation),
        new("idx", "IdxFile.ReadDataset: IDX images + labels, raw or gzipped", IdxSeeds, RunIdx, GzipMutation),
        new("cifar", "CifarBinary.Read: CIFAR-10 and CIFAR-100 binary records", CifarSeeds,
            (input, dir) =>
            {
                bool hundred = input.Length > 0 && input[0] % 2 == 1;
                CifarBinary.Read([Write(dir, "data_batch_1.bin", input)], hundred ? 2 : 1, hundred ? CifarBinary.Cifar100Classes : CifarBinary.Cifar10Classes);
            }),
        new("image", "ImageDecoder.Decode: PNG, JPEG, WebP, GIF, BMP through SkiaSharp", ImageSeeds,
            (input, _) => ImageDecoder.Decode(input, input.Length % 2 == 0 ? 3 : 1, "fuzz image"), PngCrcMutation,
            AllocationMb: ImageDecoder.MaxPixels * 16 / (1 << 20) + 64),
        new("list", "ListFile.Read: train/test list files (the input's two halves around its first NUL), then the first images", ListSeeds, RunList),
        new("imagefolder", "ImageFolder.Read: a tree built from the input (folders, images, junk, symlinks), then its images", ImageFolderSeeds, RunImageFolder),
        new("recipe", "ConfigResolver.ReadRecipe + Resolve: a recipe JSON for both stages", RecipeSeeds,
            (input, dir) =>
            {
                var recipe = ConfigResolver.ReadRecipe(Write(dir, "recipe.json", input));
                foreach (var stage in new[] { "pretrain", "finetune" }) ConfigResolver.Resolve(stage, recipe, null);
            }),
        new("config", "ConfigResolver.ForResume: a run's config.json, then the rules a resumed run checks", ConfigSeeds,
            (input, dir) =>
            {
                Write(dir, "config.json", input);
                var config = ConfigResolver.ForResume(dir, null);
                TrainConfigRules.Check(config, "finetune");
            }),
        new("checkpoint", "ResumeCheckpoint.TryLoad: latest.json, a checkpoint's manifest, weights and optimizer state (manifest re-hashed so the readers behind it are reached)",
            CheckpointSeeds, RunCheckpoint, CheckpointMutation),
        new("onnx", "OnnxClassifier.Load (predict): an exported model's protobuf and livt.* metadata_props", OnnxSeeds,
            (input, _) => { using var classifier = OnnxClassifier.Load(input, "fuzz.onnx", threads: 1); }),
    ];

    private static string Write(string dir, string name, byte[] data)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static byte[] SavedBytes(string dir, string name, Action<string> save)
    {
        var path = Path.Combine(dir, name);
        save(path);
        return File.ReadAllBytes(path);
    }

    private static IReadOnlyList<byte[]> SafeTensorsSeeds(string dir)
    {
        using var scope = torch.NewDisposeScope();
        var v = torch.arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        return
        [
            SavedBytes(dir, "a.safetensors", p => SafeTensors.Write(p, new Dictionary<string, Tensor> { ["w"] = v, ["b"] = v.to(ScalarType.BFloat16)[0], ["i"] = torch.tensor(new long[] { 1, -2 }) },
                new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü" })),
            SavedBytes(dir, "b.safetensors", p => SafeTensors.Write(p, new Dictionary<string, Tensor> { ["x"] = torch.zeros(0, 2), ["y"] = torch.tensor(true) })),
        ];
    }

    private static IReadOnlyList<byte[]> ModelSeeds(string dir)
    {
        using var vit = new VisionTransformer(Tiny);
        using var experts = new MultiExpertVisionTransformer(Tiny, 2, 1);
        using var mae = new MaskedAutoencoder(Tiny);
        return
        [
            SavedBytes(dir, "vit.safetensors", p => ModelCheckpoint.Save(p, vit, Metadata("vit"))),
            SavedBytes(dir, "experts.safetensors", p => ModelCheckpoint.Save(p, experts, Metadata(MultiExpertVisionTransformer.FileKind, 2))),
            SavedBytes(dir, "mae.safetensors", p => ModelCheckpoint.Save(p, mae, Metadata("mae"))),
            SavedBytes(dir, "raw.safetensors", p => SafeTensors.Write(p, vit.state_dict())),
        ];
    }

    private static IReadOnlyList<byte[]> PthSeeds(string dir)
    {
        var fixtures = Path.Combine(RepoRoot(), "tests", "Livt.Tests", "fixtures", "pth");
        return Directory.GetFiles(fixtures, "*.pth").Order().Select(File.ReadAllBytes).ToArray();
    }

    private static byte[] ZipEntryMutation(byte[] input, byte[] other, Mutator mutator, Random random)
    {
        if (random.Next(4) == 0 || Formats.Unzip(input) is not { Count: > 0 } entries) return mutator.Mutate(input, other);
        // data.pkl most of the time: the pickle is where the structure is.
        int pick = random.Next(3) > 0 ? Math.Max(0, entries.FindIndex(e => e.Name.EndsWith(".pkl", StringComparison.Ordinal))) : random.Next(entries.Count);
        entries[pick] = (entries[pick].Name, mutator.Mutate(entries[pick].Data, other));
        return Formats.Zip(entries);
    }

    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var d = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var n in dims) d.AddRange(BitConverter.GetBytes(n).Reverse());
        d.AddRange(data);
        return d.ToArray();
    }

    private static IReadOnlyList<byte[]> IdxSeeds(string dir)
    {
        var images = Idx(8, [3, 4, 4], Enumerable.Range(0, 48).Select(i => (byte)(i * 5)).ToArray());
        var labels = Idx(8, [3], [0, 9, 4]);
        // One input holds both files: images, a NUL separator of four 0xFF bytes, labels.
        byte[] Pair(byte[] a, byte[] b) => [.. a, 0xFF, 0xFF, 0xFF, 0xFF, .. b];
        return [Pair(images, labels), Pair(Formats.Gzip(images), Formats.Gzip(labels))];
    }

    private static (byte[], byte[]) SplitPair(byte[] input)
    {
        int at = input.AsSpan().IndexOf(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
        return at < 0 ? (input, []) : (input[..at], input[(at + 4)..]);
    }

    private static void RunIdx(byte[] input, string dir)
    {
        var (images, labels) = SplitPair(input);
        IdxFile.ReadDataset(Write(dir, "images-idx3-ubyte", images), Write(dir, "labels-idx1-ubyte", labels), DatasetCatalog.FashionMnistClasses);
    }

    private static byte[] GzipMutation(byte[] input, byte[] other, Mutator mutator, Random random)
    {
        var (a, b) = SplitPair(input);
        if (random.Next(3) == 0 || Formats.Gunzip(a) is not { } ia || Formats.Gunzip(b) is not { } ib) return mutator.Mutate(input, other);
        if (random.Next(2) == 0) ia = mutator.Mutate(ia, other); else ib = mutator.Mutate(ib, other);
        return [.. Formats.Gzip(ia), 0xFF, 0xFF, 0xFF, 0xFF, .. Formats.Gzip(ib)];
    }

    private static IReadOnlyList<byte[]> CifarSeeds(string dir)
    {
        var ten = new byte[2 * 3073];
        var hundred = new byte[2 * 3074];
        new Random(1).NextBytes(ten);
        new Random(2).NextBytes(hundred);
        ten[0] = 4; ten[3073] = 9;
        hundred[0] = 3; hundred[1] = 55; hundred[3074] = 1; hundred[3075] = 99;
        return [ten, hundred];
    }

    private static byte[] Encode(SKEncodedImageFormat format, int width, int height, SKColorType color = SKColorType.Rgba8888)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, color, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 20), (byte)(y * 30), (byte)(x * y), (byte)(255 - x)));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 80);
        return data.ToArray();
    }

    private static IReadOnlyList<byte[]> ImageSeeds(string dir)
    {
        // A 2×2 24-bit BMP and a 1×1 GIF, written by hand (SkiaSharp encodes neither).
        byte[] bmp =
        [
            0x42, 0x4D, 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 16, 0, 0, 0,
            0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 255, 255, 255, 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0,
        ];
        byte[] gif =
        [
            0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0, 0, 0, 0, 0xFF,
            0x21, 0xF9, 4, 0, 0, 0, 0, 0, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B,
        ];
        return
        [
            Encode(SKEncodedImageFormat.Png, 6, 5), Encode(SKEncodedImageFormat.Png, 3, 3, SKColorType.Gray8),
            Encode(SKEncodedImageFormat.Jpeg, 9, 7), Encode(SKEncodedImageFormat.Webp, 5, 6), bmp, gif,
        ];
    }

    private static byte[] PngCrcMutation(byte[] input, byte[] other, Mutator mutator, Random random)
    {
        var mutated = mutator.Mutate(input, other);
        return mutated.AsSpan().StartsWith((byte[])[0x89, 0x50, 0x4E, 0x47]) && random.Next(2) == 0 ? Formats.FixPngCrcs(mutated) : mutated;
    }

    private static IReadOnlyList<byte[]> ListSeeds(string dir) =>
    [
        Encoding.UTF8.GetBytes("n01/a.jpg 0\nn01/b.jpg 0\nn02/c d.png 1\n\n  n03/e.jpg\t2\n\0n01/x.jpg 0\nn03/y.jpg 2\n"),
        Encoding.UTF8.GetBytes("train/0/img.JPEG 0\r\ntrain/1/img.JPEG 1\r\n\0val/1.JPEG 1\r\n"),
    ];

    private static void RunList(byte[] input, string dir)
    {
        int at = Array.IndexOf(input, (byte)0);
        var (train, test) = at < 0 ? (input, input) : (input[..at], input[(at + 1)..]);
        var root = Directory.CreateDirectory(Path.Combine(dir, "root")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "n01"));
        File.WriteAllBytes(Path.Combine(root, "n01", "a.jpg"), Encode(SKEncodedImageFormat.Jpeg, 4, 4));
        var (trainSet, testSet) = ListFile.Read(Write(dir, "train.txt", train), Write(dir, "test.txt", test), root);
        foreach (var set in new[] { trainSet, testSet })
            for (int i = 0; i < Math.Min(set.Count, 3); i++)
                try { set.GetImage(i); }
                catch (CorruptImageException) { }
    }

    /// <summary>The input is a little program: each line "d path", "f path" (an image), "j path" (junk
    /// bytes) or "l path target" (a symbolic link) under train/ and test/.</summary>
    private static IReadOnlyList<byte[]> ImageFolderSeeds(string dir) =>
    [
        Encoding.UTF8.GetBytes("d train/cat\nf train/cat/1.png\nf train/cat/sub/2.jpg\nd train/dog\nf train/dog/x.JPEG\nf test/cat/3.png\nf test/dog/4.png\n"),
        Encoding.UTF8.GetBytes("f train/a/1.png\nj train/b/2.jpg\nl train/c train/a\nf test/a/1.webp\nd test/b\nl train/a/loop ..\n"),
    ];

    private static void RunImageFolder(byte[] input, string dir)
    {
        var root = Directory.CreateDirectory(Path.Combine(dir, "tree")).FullName;
        var png = Encode(SKEncodedImageFormat.Png, 4, 4);
        foreach (var raw in Encoding.UTF8.GetString(input).Split('\n').Take(64))
        {
            // Names with NUL cannot exist on Linux; links point anywhere but are made only inside the tree.
            var parts = raw.Split(' ');
            if (parts.Length < 2 || raw.Contains('\0') || parts.Any(p => p.Length == 0)) continue;
            var path = Path.GetFullPath(Path.Combine(root, parts[1]));
            if (!path.StartsWith(root + "/", StringComparison.Ordinal)) continue;
            try
            {
                switch (parts[0])
                {
                    case "d": Directory.CreateDirectory(path); break;
                    case "f" or "j":
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        File.WriteAllBytes(path, parts[0] == "f" ? png : input);
                        break;
                    case "l" when parts.Length > 2:
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        File.CreateSymbolicLink(path, parts[2]);
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        var train = ImageFolder.Read(Path.Combine(root, "train"));
        var test = ImageFolder.Read(Path.Combine(root, "test"), train.ClassNames, requireEveryClass: false);
        foreach (var set in new[] { train, test })
            for (int i = 0; i < Math.Min(set.Count, 4); i++)
                try { set.GetImage(i); }
                catch (CorruptImageException) { }
    }

    private static IReadOnlyList<byte[]> RecipeSeeds(string dir) =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "recipes"), "*.json").Order().Select(File.ReadAllBytes).ToArray();

    private static IReadOnlyList<byte[]> ConfigSeeds(string dir)
    {
        var recipe = ConfigResolver.ReadRecipe("quickstart");
        return new[] { "pretrain", "finetune" }.Select(stage => SavedBytes(dir, $"{stage}.json",
            p => ConfigResolver.Write(ConfigResolver.Resolve(stage, recipe, new System.Text.Json.Nodes.JsonObject { ["out"] = "/tmp/run" }), p))).ToArray();
    }

    private static (VisionTransformer Model, FlatOptimizer Optimizer) CheckpointModel()
    {
        var model = new VisionTransformer(Tiny);
        var groups = ParamGroups.WeightDecay(model.named_parameters().Select(p => (p.name, p.parameter)), 0.05);
        return (model, new AdamW(ParameterStore.Create(groups), 1e-3));
    }

    private static readonly string[] CheckpointFiles = ["latest.json", "checkpoint.json", "weights.safetensors", OptimizerState.FileName];

    /// <summary>A checkpoint folder as one input: four length-prefixed files in <see cref="CheckpointFiles"/> order.</summary>
    private static byte[] Pack(IEnumerable<byte[]> files)
    {
        var d = new List<byte>();
        foreach (var f in files)
        {
            d.AddRange(BitConverter.GetBytes(f.Length));
            d.AddRange(f);
        }
        return d.ToArray();
    }

    private static List<byte[]> Unpack(byte[] input)
    {
        var files = new List<byte[]>();
        int at = 0;
        for (int i = 0; i < CheckpointFiles.Length; i++)
        {
            int length = at + 4 <= input.Length ? BitConverter.ToInt32(input, at) : 0;
            at = Math.Min(at + 4, input.Length);
            length = Math.Clamp(length, 0, input.Length - at);
            files.Add(input[at..(at + length)]);
            at += length;
        }
        return files;
    }

    private static IReadOnlyList<byte[]> CheckpointSeeds(string dir)
    {
        var (model, optimizer) = CheckpointModel();
        using (model)
        using (optimizer)
        {
            using (var x = torch.rand(2, 1, 8, 8))
            using (var loss = model.call(x).sum())
                loss.backward();
            optimizer.Step();
            var seeds = new List<byte[]>();
            foreach (var step in new[] { 3, 0 })
            {
                var run = Path.Combine(dir, $"run{step}");
                ResumeCheckpoint.Save(run, new ResumePoint("finetune", 1, step, 0.5, 1.25, 64), model, optimizer);
                var folder = Directory.GetDirectories(Path.Combine(run, "checkpoints")).Single();
                seeds.Add(Pack(CheckpointFiles.Select(f => File.ReadAllBytes(Path.Combine(f == "latest.json" ? Path.GetDirectoryName(folder)! : folder, f)))));
            }
            return seeds;
        }
    }

    private static byte[] CheckpointMutation(byte[] input, byte[] other, Mutator mutator, Random random)
    {
        var files = Unpack(input);
        int pick = random.Next(CheckpointFiles.Length);
        files[pick] = mutator.Mutate(files[pick], other);
        if (random.Next(4) > 0)
        {
            // Re-hash, as a checkpoint damaged before its manifest was written would be.
            var text = Encoding.UTF8.GetString(files[1]);
            foreach (var (name, data) in new[] { ("weights.safetensors", files[2]), (OptimizerState.FileName, files[3]) })
            {
                var digest = $"{{\"Bytes\":{data.Length},\"Sha256\":\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data))}\"}}";
                int at = text.IndexOf($"\"{name}\":{{", StringComparison.Ordinal);
                int end = at < 0 ? -1 : text.IndexOf('}', at);
                if (end > 0) text = text[..(at + name.Length + 3)] + digest + text[(end + 1)..];
            }
            files[1] = Encoding.UTF8.GetBytes(text);
        }
        return Pack(files);
    }

    private static void RunCheckpoint(byte[] input, string dir)
    {
        var files = Unpack(input);
        var checkpoints = Directory.CreateDirectory(Path.Combine(dir, "checkpoints")).FullName;
        var folder = Directory.CreateDirectory(Path.Combine(checkpoints, "epoch-0001-step-000003")).FullName;
        for (int i = 0; i < CheckpointFiles.Length; i++)
            File.WriteAllBytes(Path.Combine(i == 0 ? checkpoints : folder, CheckpointFiles[i]), files[i]);
        var (model, optimizer) = CheckpointModel();
        using (model)
        using (optimizer)
            ResumeCheckpoint.TryLoad(dir, "finetune", model, optimizer);
    }

    private static IReadOnlyList<byte[]> OnnxSeeds(string dir)
    {
        var vit = Tiny with { InChans = 3 };
        using var model = new VisionTransformer(vit);
        var checkpoint = Path.Combine(dir, "vit.safetensors");
        ModelCheckpoint.Save(checkpoint, model, Metadata("vit") with { Model = vit, Mean = [0.5f, 0.4f, 0.3f], Std = [0.2f, 0.2f, 0.2f] });
        var onnx = Path.Combine(dir, "vit.onnx");
        OnnxExport.Run(checkpoint, onnx);
        return [File.ReadAllBytes(onnx)];
    }

    /// <summary>The repository root (recipes and fixtures are seeds), found upwards from the program.</summary>
    public static string RepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Livt.sln"))) return dir.FullName;
        throw new InvalidOperationException("run livt-fuzz from inside the Livt repository");
    }
}

using Livt.Augmentation;
using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using Livt.Runtime;

namespace Livt.Training.Setup;

/// <summary>
/// The pieces every training use case builds the same way from its resolved config: the process
/// set-up, the run folder, the data with its validation split, the architecture, the loader.
/// </summary>
internal static class RunSetup
{
    /// <summary>The run folder: <c>out</c>, or runs/&lt;stage&gt;-&lt;time&gt;.</summary>
    public static string RunDir(TrainConfig config, string stage) =>
        Path.GetFullPath(config.Out ?? Path.Combine("runs", $"{stage}-{DateTime.Now:yyyyMMdd-HHmmss}"));

    /// <summary>Writes the resolved config beside the run's outputs.</summary>
    public static void WriteConfig(TrainConfig config, RunFolder folder) =>
        folder.Write("config.json", path => ConfigResolver.Write(config with { Out = folder.Path }, path));

    /// <summary>
    /// The config with its precision decided (<see cref="PrecisionPolicy"/>): <see cref="TrainConfig.Precision"/>
    /// (auto, fp32, bf16) resolved for the configured device, recorded with its reason. A run keeps the
    /// precision it started with: a config that carries one (<c>--resume</c> reads config.json) keeps it, and
    /// so does a run that will resume from a checkpoint in <paramref name="runDir"/> (a re-run quick start).
    /// </summary>
    public static (TrainConfig Config, PrecisionChoice Precision) ResolvePrecision(TrainConfig config, string runDir)
    {
        var previous = Path.Combine(runDir, "config.json");
        // A folder written before precision_used was recorded has only what was asked, which was then fp32 or bf16.
        if (config.PrecisionUsed is null && ResumeCheckpoint.Exists(runDir) && File.Exists(previous)
            && ConfigResolver.ReadResolved(previous) is var started)
            config = config with { Precision = started.Precision, PrecisionUsed = started.PrecisionUsed, PrecisionReason = started.PrecisionReason };
        if (config.PrecisionUsed is { } kept)
            return (config, new PrecisionChoice(config.Precision, kept, config.PrecisionReason ?? $"{kept}: the run started in {kept}"));
        var choice = PrecisionPolicy.Resolve(config.Precision, TrainingDevice.Parse(config.Device));
        return (config with { PrecisionUsed = choice.Precision, PrecisionReason = choice.Reason }, choice);
    }

    /// <summary>Sets up the process (allocator, threads: <c>--threads</c>, else the launcher's share of the
    /// cores) and parses the device (a bare cuda becomes this process's GPU), once per run start.</summary>
    public static TorchSharp.torch.Device Initialize(TrainConfig config)
    {
        var launch = Livt.Distributed.LaunchEnvironment.Detect();
        LivtRuntime.Initialize(config.Threads > 0 ? config.Threads : launch.DefaultThreads);
        return Livt.Distributed.ProcessGroups.LocalDevice(TrainingDevice.Parse(config.Device), launch);
    }

    /// <summary>Loads the dataset named by the config; see <see cref="TrainingData"/> for the validation split.</summary>
    public static TrainingData LoadData(TrainConfig config) => TrainingData.Load(config);

    /// <summary>A classifier's architecture: a CNN (<see cref="ModelPresets.Cnn"/>) at the config's input size
    /// and sized to the data, or the ViT of <see cref="ModelConfig"/>.</summary>
    public static ArchitectureConfig ClassifierConfig(TrainConfig config, int channels, int numClasses, double dropPath)
    {
        if (!ModelPresets.IsCnn(config.Model)) return ModelConfig(config, channels, numClasses, dropPath);
        var cnn = ModelPresets.Cnn(config.Model);
        return cnn with { ImageSize = config.InputSize ?? cnn.ImageSize, InChans = channels, NumClasses = numClasses };
    }

    /// <summary>The ViT architecture: the preset with the config's overrides, sized to the data.</summary>
    public static VitConfig ModelConfig(TrainConfig config, int channels, int numClasses, double dropPath)
    {
        var p = ModelPresets.Get(config.Model);
        return p with
        {
            ImageSize = config.InputSize ?? p.ImageSize,
            PatchSize = config.PatchSize ?? p.PatchSize,
            EmbedDim = config.EmbedDim ?? p.EmbedDim,
            Depth = config.Depth ?? p.Depth,
            NumHeads = config.NumHeads ?? p.NumHeads,
            DecoderEmbedDim = config.DecoderEmbedDim ?? p.DecoderEmbedDim,
            DecoderDepth = config.DecoderDepth ?? p.DecoderDepth,
            DecoderNumHeads = config.DecoderNumHeads ?? p.DecoderNumHeads,
            InChans = channels,
            NumClasses = numClasses,
            DropPathRate = dropPath,
            NormPixLoss = config.NormPixLoss,
            GlobalPool = config.GlobalPool == Pooling.Avg,
            Attention = config.Attention,
        };
    }

    /// <summary>The normalisation: <c>--mean/--std</c> when given, else <paramref name="fallback"/>
    /// (an MGP checkpoint's, which its encoder learnt with), else the dataset's (<see cref="Normalization"/>).</summary>
    public static (float[] Mean, float[] Std) MeanStd(TrainConfig config, IImageDataset train, (float[] Mean, float[] Std)? fallback = null)
    {
        if (config.Mean is { } mean && config.Std is { } std)
        {
            if (mean.Length != train.Channels)
                throw new LivtException($"--mean/--std: {mean.Length} values given, the images have {train.Channels} channels");
            return (mean.Select(v => (float)v).ToArray(), std.Select(v => (float)v).ToArray());
        }
        return fallback ?? Normalization.For(config.Dataset, train);
    }

    /// <summary>The training loader: the configured sampler, cut to this process's shard.</summary>
    public static DataLoader TrainLoader(TrainConfig config, IImageDataset data, IImageTransform transform, RunContext context) =>
        new(data, transform, TrainLoaderOptions(config, data, context));

    /// <summary>The training loader of a multi-view method: each batch carries every sample's views.</summary>
    public static DataLoader TrainLoader(TrainConfig config, IImageDataset data, MultiViewTransform views, RunContext context) =>
        DataLoader.MultiView(data, views, TrainLoaderOptions(config, data, context));

    /// <summary>CMO's second training loader: the minority-weighted sampler (<see cref="MinorityWeightedSampler"/>)
    /// over the same images and transform, cut to this process's shard as the main loader is; its order and
    /// per-sample draws have their own seed, so a foreground image is not augmented as its background twin.</summary>
    public static DataLoader CmoLoader(TrainConfig config, IImageDataset data, IImageTransform transform, RunContext context)
    {
        int seed = Engine.Seeds.DeriveInt(config.Seed, 0, Engine.Seeds.Stream.Cmo);
        return new(data, transform, TrainLoaderOptions(config, data, context) with
        {
            Seed = seed, Sampler = context.Parallel.Shard(new MinorityWeightedSampler(data, seed)),
        });
    }

    private static LoaderOptions TrainLoaderOptions(TrainConfig config, IImageDataset data, RunContext context) =>
        new()
        {
            BatchSize = config.BatchSize,
            DropLast = true,
            Seed = config.Seed,
            Workers = config.Workers,
            SkipCorrupt = config.SkipCorrupt,
            Sampler = context.Parallel.Shard(Samplers.Create(config.Sampler, data, config.Seed, config.Epochs)),
        };
}

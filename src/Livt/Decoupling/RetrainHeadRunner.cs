using System.Diagnostics;
using System.Text.Json;
using Livt.Augmentation;
using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Evaluation;
using Livt.Inference;
using Livt.Interop;
using Livt.Losses;
using Livt.Methods;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// <c>livt retrain-head</c>: the second stage of decoupled training on a fine-tuned classifier whose
/// encoder stays frozen — cRT, LWS or τ-normalisation (Kang et al., ICLR 2020), and with
/// <see cref="RetrainHeadOptions.MaxNorm"/> the MaxNorm second stage of weight balancing (Alshammari et
/// al., CVPR 2022). The encoder's features are computed once (eval transform, no augmentation) and
/// the head is trained or rescaled on them. Writes a run folder like fine-tuning's: config.json,
/// log.jsonl, model.safetensors (an ordinary classifier: the same encoder, the new head), report.json,
/// report.md and plots. Anything chosen post hoc is chosen on a validation split carved from the
/// training set, and the test split is read only after the new head is final. Given a pretraining run's
/// encoder instead (<c>livt pretrain</c>, any method), cRT is a linear probe: a new class-balanced linear head
/// on the frozen cls-token features (<see cref="ModelCheckpoint.LoadProbe"/>). Under a launcher the processes
/// share the feature extraction, the costly part, as evaluation is shared; each then trains the head on all
/// the features alike (<see cref="ReplicatedParallel"/>), so the result is the single-process one, and the first
/// process writes.
/// </summary>
public sealed class RetrainHeadRunner
{
    private readonly RetrainHeadOptions _options;
    private readonly SecondStage _method;
    private readonly RunContext _context;
    private readonly IProcessGroup _group;
    private readonly ITrainingObserver _observer;
    private readonly Device _device;
    private readonly PrecisionChoice _precision;

    /// <summary>Checks <paramref name="options"/> and prepares the run. Of <paramref name="context"/> it takes the
    /// observer, the stop token and the processes' group, which shares the feature extraction.</summary>
    public RetrainHeadRunner(RetrainHeadOptions options, ITrainingObserver? observer = null, RunContext? context = null)
    {
        _options = options.WithSamplerWord();
        _group = context?.Parallel.Group ?? SingleProcess.Instance;
        _context = (context ?? new RunContext()) with
        {
            Observer = observer ?? context?.Observer ?? NullTrainingObserver.Instance, Parallel = new ReplicatedParallel(_group),
        };
        _observer = _context.Observer;
        _method = SecondStages.Get(options.Method);
        LivtRuntime.Initialize(options.Threads);
        _device = TrainingDevice.Parse(options.Device);
        Validate();
        // The feature extraction's precision as asked; the model it is loaded into may still fall back to fp32.
        _precision = PrecisionPolicy.Resolve(_options.Precision, _device);
        RunDir = Path.GetFullPath(_options.Out ?? Path.Combine("runs", $"retrain-head-{_method.Name}-{DateTime.Now:yyyyMMdd-HHmmss}"));
    }

    /// <summary>The run folder.</summary>
    public string RunDir { get; }

    /// <summary>The stage name in logs and reports.</summary>
    public const string Stage = "retrain-head";

    private int Epochs => _options.Epochs ?? _method.DefaultEpochs;

    private void Validate()
    {
        var o = _options;
        ModelCheckpoint.Resolve(o.Init);
        if (_method.Trains)
        {
            if (Epochs < 1) throw new LivtException($"--epochs {Epochs}: must be at least 1");
            if (!(o.Lr >= 0) || !double.IsFinite(o.Lr)) throw new LivtException($"--lr {o.Lr}: must be a finite number ≥ 0");
            if (o.BatchSize < 1) throw new LivtException($"--batch-size {o.BatchSize}: must be at least 1");
            if (!(o.WeightDecay >= 0) || !double.IsFinite(o.WeightDecay)) throw new LivtException($"--weight-decay {o.WeightDecay}: must be a " +
                "finite number ≥ 0");
            if (o.Momentum is < 0 or >= 1) throw new LivtException($"--momentum {o.Momentum}: must be in [0, 1)");
            if (o.SaveEverySteps < 1) throw new LivtException($"--save-every-steps {o.SaveEverySteps}: must be at least 1");
            if (LongTailMethods.Find(o.Loss) is not LossMethod)
                throw new LivtException($"--loss {o.Loss}: unknown loss (known: {string.Join(", ", LossFactory.Names)})");
            if (o.Sampler is not ("class-balanced" or "instance"))
                throw new LivtException($"--sampler {o.Sampler}: expected class-balanced or instance");
        }
        SecondStages.CheckFlags(_method, o.StageFlagsGiven());
        _method.Validate(o);
        if (o.ValFraction is < 0 or >= 1) throw new LivtException($"--val-fraction {o.ValFraction}: must be in [0, 1)");
        if (o.EvalBatchSize < 1) throw new LivtException($"--eval-batch-size {o.EvalBatchSize}: must be at least 1");
    }

    /// <summary>Runs the second stage on the data the model was fine-tuned on.</summary>
    public RunResult Run() => Run(null);

    /// <summary>Runs the second stage; <paramref name="data"/>, when given, replaces the splits the model
    /// was fine-tuned on (they must be the same classes).</summary>
    public RunResult Run(DatasetSplits? data)
    {
        var clock = Stopwatch.StartNew();
        var modelPath = ModelCheckpoint.Resolve(_options.Init);
        var (model, meta, probe) = Load(modelPath);
        using var _ = model;
        var source = FineTunedData.Of(modelPath, meta, _options.DataDir, _options.TrainList, _options.TestList);
        double valFraction = ValFraction(source);

        data = Data(data, source, meta, modelPath);
        var (train, val) = source.Split(data.Train, valFraction, _options.ValList);
        var counts = DatasetStats.ClassCounts(train);

        using var folder = new RunFolder(RunDir, _context.Parallel);
        WriteConfig(folder, modelPath, source, valFraction);

        var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
        var precision = ModelPrecision.For(_precision, model);
        _observer.Message($"Features of {train.Count} training images{(val is null ? "" : $" and {val.Count} validation images")} " +
                          $"from the frozen encoder of {modelPath}");
        using var trainFeatures = Features(model, train, transform, precision);
        using var valFeatures = val is null ? null : Features(model, val, transform, precision);
        var validation = val is null ? null : FineTunedData.Describe(val, valFraction, _options.ValList);

        var headWeight = model.Head.weight!;
        var headBias = model.Head.bias!;
        var (weight, bias, tuned, finalLoss, description) = _method.Fit(new HeadFitInputs(headWeight, headBias, trainFeatures, valFeatures,
            validation, counts, meta.Seed, _options, _device, _observer, Trainer(folder, meta.Seed), () => CreateLoss(counts),
            () => Sampler(trainFeatures, meta.Seed)));
        using (weight)
        using (bias)
        {
            using (torch.no_grad())
            {
                headWeight.copy_(weight);
                headBias.copy_(bias);
            }
            bool trained = _method.Trains;
            var outPath = folder.File(ModelCheckpoint.FileName);
            folder.Write(ModelCheckpoint.FileName, path => ModelCheckpoint.Save(path, model, Retrained(meta, counts)));

            // The head is final: only now is the test split read.
            var result = Test(model, data.Test, transform, precision, weight, bias, counts, train.ClassNames);
            int epochs = trained ? Epochs : 0;
            string start = probe ? $"linear probe of the frozen {meta.Pretraining ?? "MGP"} encoder (cls token)" : meta.Loss ?? "?";
            var info = new ReportInfo(Stage, $"{start} + {description}", meta.Model.Summary, data.Name, epochs, clock.Elapsed.TotalSeconds,
                meta.Imbalance, meta.Seed, null, Tuned: tuned, Precision: precision, Processes: _group.WorldSize,
                Backend: _group.Backend);
            var report = folder.Write(dir => Reports.Write(dir, result, info, trained ? folder.Log?.Path : null));
            return new RunResult(Stage, RunDir, outPath, epochs, clock.Elapsed.TotalSeconds, finalLoss, report);
        }
    }

    /// <summary>The classifier whose head the stage replaces, or, from a pretraining run, its encoder with a new head
    /// (<paramref name="modelPath"/> is then probed); refuses a stage that cannot use what it holds.</summary>
    private (LinearHeadClassifier Model, ModelMetadata Meta, bool Probe) Load(string modelPath)
    {
        // A pretraining run's encoder has no trained head: cRT on it is a linear probe of its frozen features.
        bool probe = ModelCheckpoint.IsPretrained(modelPath);
        if (probe && !_method.Probes(_options))
            throw new LivtException($"{modelPath}: a pretraining run's encoder has no trained head to keep, rescale or bound: use --method crt without " +
                "--keep-head and --max-norm (a linear probe)");
        var (model, meta) = probe ? ModelCheckpoint.LoadProbe(modelPath, _device) : ModelCheckpoint.LoadClassifier(modelPath, _device);
        if (meta.Model is VitConfig { CosineScale: not null } && (_method is not ClassifierRetraining || _options.KeepHead))
        {
            model.Dispose();
            throw new LivtException($"{modelPath}: its head is a cosine classifier (BCL); --method {_method.Name}" +
                                    $"{(_options.KeepHead ? " --keep-head" : "")} would use it as a linear one. --method crt (a new linear head on its " +
                                        "features) works");
        }
        return (model, meta, probe);
    }

    /// <summary>The fraction of each class held out for validation: --val-fraction, else the fine-tuning run's, else
    /// 0.1 where the method chooses on validation; none with --val-list.</summary>
    private double ValFraction(FineTunedData source)
    {
        bool chooseTau = _method.ChoosesOnValidation(_options);
        double valFraction = _options.ValList is not null ? 0
            : _options.ValFraction ?? (source.ValFraction > 0 ? source.ValFraction : chooseTau ? 0.1 : 0);
        if (chooseTau && valFraction == 0 && _options.ValList is null)
            throw new LivtException("--tau auto chooses τ on a validation split: give --val-fraction above 0 or --val-list, or a number for --tau");
        return valFraction;
    }

    /// <summary>The splits to train and test on: <paramref name="data"/>, else those the model was fine-tuned on;
    /// either must have the model's classes and channels.</summary>
    private DatasetSplits Data(DatasetSplits? data, FineTunedData source, ModelMetadata meta, string modelPath)
    {
        if (data is null)
        {
            _observer.Message($"Loading {source.Dataset.Name}");
            data = DatasetCatalog.Load(source.Dataset);
        }
        if (data.Train.NumClasses != meta.ClassCounts.Length)
            throw new LivtException($"{modelPath}: the model has {meta.ClassCounts.Length} classes, {data.Name} has {data.Train.NumClasses}");
        if (data.Train.Channels != meta.Model.InChans)
            throw new LivtException($"{modelPath}: the model takes {meta.Model.InChans}-channel images, {data.Name} has {data.Train.Channels}");
        return data;
    }

    /// <summary>The saved model's metadata: the fine-tuned one's, with this stage's loss, sampler and class counts.</summary>
    private ModelMetadata Retrained(ModelMetadata meta, long[] counts)
    {
        bool trained = _method.Trains;
        return meta with
        {
            // cRT's new head is linear whatever the fine-tuned one was.
            Model = meta.Model is VitConfig vit ? vit with { CosineScale = null } : meta.Model,
            ClassCounts = counts,
            Loss = trained ? LongTailMethods.Find(_options.Loss)?.Name : meta.Loss,
            Sampler = trained ? (_options.Sampler == "class-balanced" ? "class-balanced" : null) : meta.Sampler,
            // A retrained head starts from the loaded one, which already includes any folded IIF scale.
            LogitScale = null, LogitScaleMethod = null,
        };
    }

    /// <summary>The frozen encoder's features of <paramref name="data"/>, in <paramref name="precision"/>, shared by the processes.</summary>
    private FeatureSet Features(LinearHeadClassifier model, IImageDataset data, IImageTransform transform, PrecisionChoice precision) =>
        FeatureSet.Extract(model, data, transform, _device, _options.EvalBatchSize, _options.Workers, precision, _group);

    /// <summary>The final head's metrics on the test split, whose features are extracted only now.</summary>
    private EvaluationResult Test(LinearHeadClassifier model, IImageDataset test, IImageTransform transform, PrecisionChoice precision, Tensor weight,
        Tensor bias, long[] counts, IReadOnlyList<string> classNames)
    {
        _observer.Message($"Evaluating on the {test.Count}-image test split");
        using var testFeatures = Features(model, test, transform, precision);
        var metrics = new MetricsAccumulator(test.NumClasses);
        using (torch.NewDisposeScope())
            metrics.Add(nn.functional.linear(testFeatures.Features, weight, bias), testFeatures.Labels);
        return metrics.Compute(counts, classNames: classNames);
    }

    /// <summary>config.json: the resolved options, plus the data keys of a fine-tuning config
    /// (<see cref="FineTunedData.Of"/>) so that evaluate or another second stage finds the same data.</summary>
    private void WriteConfig(RunFolder folder, string modelPath, FineTunedData source, double valFraction)
    {
        var config = JsonSerializer.SerializeToNode(_options with
        {
            Init = modelPath, Method = _method.Name, Out = RunDir, Epochs = _method.Trains ? Epochs : null,
            Loss = LongTailMethods.Find(_options.Loss)?.Name ?? _options.Loss,
        }, ConfigJson)!.AsObject();
        foreach (var (key, value) in source.ToRunData(valFraction).ToJson()) config[key] = value?.DeepClone();
        folder.Write("config.json", path => AtomicFile.WriteText(path, config.ToJsonString(ConfigJson)));
    }

    private HeadTrainer Trainer(RunFolder folder, int seed) => new()
    {
        Stage = _method.Name, Epochs = Epochs, BatchSize = _options.BatchSize, Lr = _options.Lr, Momentum = _options.Momentum,
        WeightDecay = _options.WeightDecay, Seed = seed, SaveEverySteps = _options.SaveEverySteps, Context = _context, Folder = folder,
    };

    private LongTailLoss CreateLoss(long[] counts) => LossFactory.Create(_options.Loss, counts);

    private ISampler Sampler(FeatureSet train, int seed) => _options.Sampler == "class-balanced"
        ? new ClassBalancedSampler(train.LabelArray(), seed)
        : new UniformSampler(train.Count, seed);

    private static readonly JsonSerializerOptions ConfigJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
    };
}

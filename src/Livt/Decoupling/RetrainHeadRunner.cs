using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Livt.Augmentation;
using Livt.Data;
using Livt.Evaluation;
using Livt.Interop;
using Livt.Losses;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Livt.Engine;

using Livt.Inference;

namespace Livt.Decoupling;

/// <summary>
/// <c>livt retrain-head</c>: the second stage of decoupled training on a fine-tuned classifier whose
/// encoder stays frozen — cRT, LWS or τ-normalisation (Kang et al., ICLR 2020), and with
/// <see cref="RetrainHeadOptions.MaxNorm"/> the MaxNorm second stage of weight balancing (Alshammari et
/// al., CVPR 2022). The encoder's features are computed once (eval transform, no augmentation) and
/// the head is trained or rescaled on them. Writes a run folder like fine-tuning's: config.json,
/// log.jsonl, model.safetensors (an ordinary classifier: the same encoder, the new head), report.json,
/// report.md and plots. Anything chosen post hoc is chosen on a validation split carved from the
/// training set, and the test split is read only after the new head is final.
/// </summary>
public sealed class RetrainHeadRunner
{
    private readonly RetrainHeadOptions _options;
    private readonly HeadMethod _method;
    private readonly ITrainingObserver _observer;
    private readonly Device _device;

    public RetrainHeadRunner(RetrainHeadOptions options, ITrainingObserver? observer = null)
    {
        _options = options;
        _observer = observer ?? NullTrainingObserver.Instance;
        _method = HeadMethods.Parse(options.Method);
        LivtRuntime.Initialize(options.Threads);
        _device = TrainingDevice.Parse(options.Device);
        Validate();
        RunDir = Path.GetFullPath(options.Out ?? Path.Combine("runs", $"retrain-head-{HeadMethods.Name(_method)}-{DateTime.Now:yyyyMMdd-HHmmss}"));
    }

    /// <summary>The run folder.</summary>
    public string RunDir { get; }

    /// <summary>The stage name in logs and reports.</summary>
    public const string Stage = "retrain-head";

    private int Epochs => _options.Epochs ?? (_method == HeadMethod.Lws ? 5 : 10);

    private void Validate()
    {
        var o = _options;
        ModelCheckpoint.Resolve(o.Init);
        if (_method != HeadMethod.TauNorm)
        {
            if (Epochs < 1) throw new LivtException($"--epochs {Epochs}: must be at least 1");
            if (!(o.Lr >= 0) || !double.IsFinite(o.Lr)) throw new LivtException($"--lr {o.Lr}: must be a finite number ≥ 0");
            if (o.BatchSize < 1) throw new LivtException($"--batch-size {o.BatchSize}: must be at least 1");
            if (!(o.WeightDecay >= 0) || !double.IsFinite(o.WeightDecay)) throw new LivtException($"--weight-decay {o.WeightDecay}: must be a finite number ≥ 0");
            if (o.Momentum is < 0 or >= 1) throw new LivtException($"--momentum {o.Momentum}: must be in [0, 1)");
            if (LossFactory.Canonical(o.Loss) is null)
                throw new LivtException($"--loss {o.Loss}: unknown loss (known: {string.Join(", ", LossFactory.Names)})");
            if (o.Sampler is not ("class-balanced" or "instance"))
                throw new LivtException($"--sampler {o.Sampler}: expected class-balanced or instance");
        }
        if (_method != HeadMethod.Crt && (o.MaxNorm is not null || o.KeepHead))
            throw new LivtException($"--max-norm and --keep-head belong to --method crt, not {HeadMethods.Name(_method)}");
        if (o.MaxNorm is { } t && (!double.IsFinite(t) || t < 0)) throw new LivtException($"--max-norm {t}: must be a finite number ≥ 0");
        if (_method != HeadMethod.TauNorm && (o.Tau is not null || o.KeepBias))
            throw new LivtException($"--tau and --keep-bias belong to --method tau-norm, not {HeadMethods.Name(_method)}");
        if (o.Tau is { } tau && !double.IsFinite(tau)) throw new LivtException($"--tau {tau}: must be a finite number or auto");
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
        var (model, meta) = ModelCheckpoint.LoadClassifier(modelPath, _device);
        using var _ = model;
        var source = FineTunedData.Of(modelPath, meta, _options.DataDir, _options.TrainList, _options.TestList);
        bool chooseTau = _method == HeadMethod.TauNorm && _options.Tau is null;
        double valFraction = _options.ValList is not null ? 0
            : _options.ValFraction ?? (source.ValFraction > 0 ? source.ValFraction : chooseTau ? 0.1 : 0);
        if (chooseTau && valFraction == 0 && _options.ValList is null)
            throw new LivtException("--tau auto chooses τ on a validation split: give --val-fraction above 0 or --val-list, or a number for --tau");

        if (data is null)
        {
            _observer.Message($"Loading {source.Dataset.Name}");
            data = DatasetCatalog.Load(source.Dataset);
        }
        if (data.Train.NumClasses != meta.ClassCounts.Length)
            throw new LivtException($"{modelPath}: the model has {meta.ClassCounts.Length} classes, {data.Name} has {data.Train.NumClasses}");
        if (data.Train.Channels != meta.Model.InChans)
            throw new LivtException($"{modelPath}: the model takes {meta.Model.InChans}-channel images, {data.Name} has {data.Train.Channels}");
        var (train, val) = source.Split(data.Train, valFraction, _options.ValList);
        var counts = DatasetStats.ClassCounts(train);

        WriteConfig(modelPath, source, valFraction);

        var transform = TransformPipelines.Eval(meta.Model.ImageSize, meta.Mean, meta.Std);
        _observer.Message($"Features of {train.Count} training images{(val is null ? "" : $" and {val.Count} validation images")} " +
                          $"from the frozen encoder of {modelPath}");
        using var trainFeatures = FeatureSet.Extract(model, train, transform, _device, _options.EvalBatchSize, _options.Workers);
        using var valFeatures = val is null ? null : FeatureSet.Extract(model, val, transform, _device, _options.EvalBatchSize, _options.Workers);
        var validation = val is null ? null : FineTunedData.Describe(val, valFraction, _options.ValList);

        var headWeight = model.Head.weight!;
        var headBias = model.Head.bias!;
        using var log = new RunLog(RunDir);
        var (weight, bias, tuned, finalLoss, description) = _method switch
        {
            HeadMethod.TauNorm => TauNorm(headWeight, headBias, valFeatures, validation),
            HeadMethod.Lws => Lws(headWeight, headBias, trainFeatures, valFeatures, counts, meta.Seed, log),
            _ => Crt(headWeight, headBias, trainFeatures, valFeatures, counts, meta.Seed, log),
        };
        using (weight)
        using (bias)
        {
            using (torch.no_grad())
            {
                headWeight.copy_(weight);
                headBias.copy_(bias);
            }
            bool trained = _method != HeadMethod.TauNorm;
            var metadata = meta with
            {
                ClassCounts = counts,
                Loss = trained ? LossFactory.Canonical(_options.Loss) : meta.Loss,
                Sampler = trained ? (_options.Sampler == "class-balanced" ? "class-balanced" : null) : meta.Sampler,
                // A retrained head starts from the loaded one, which already includes any folded IIF scale.
                LogitScale = null, LogitScaleMethod = null,
            };
            var outPath = Path.Combine(RunDir, ModelCheckpoint.FileName);
            ModelCheckpoint.Save(outPath, model, metadata);

            // The head is final: only now is the test split read.
            _observer.Message($"Evaluating on the {data.Test.Count}-image test split");
            using var testFeatures = FeatureSet.Extract(model, data.Test, transform, _device, _options.EvalBatchSize, _options.Workers);
            var metrics = new MetricsAccumulator(data.Test.NumClasses);
            using (torch.NewDisposeScope())
                metrics.Add(nn.functional.linear(testFeatures.Features, weight, bias), testFeatures.Labels);
            var result = metrics.Compute(counts, classNames: train.ClassNames);
            int epochs = trained ? Epochs : 0;
            var report = Reports.Write(RunDir, result, new ReportInfo(Stage, $"{meta.Loss ?? "?"} + {description}",
                meta.Model.Summary, data.Name, epochs, clock.Elapsed.TotalSeconds,
                meta.Imbalance, meta.Seed, null, Tuned: tuned), trained ? log.Path : null);
            return new RunResult(Stage, RunDir, outPath, epochs, clock.Elapsed.TotalSeconds, finalLoss, report);
        }
    }

    /// <summary>config.json: the resolved options, plus the data keys of a fine-tuning config
    /// (<see cref="FineTunedData.Of"/>) so that evaluate or another second stage finds the same data.</summary>
    private void WriteConfig(string modelPath, FineTunedData source, double valFraction)
    {
        Directory.CreateDirectory(RunDir);
        var config = JsonSerializer.SerializeToNode(_options with
        {
            Init = modelPath, Method = HeadMethods.Name(_method), Out = RunDir, ValFraction = valFraction,
            Epochs = _method == HeadMethod.TauNorm ? null : Epochs,
            Loss = LossFactory.Canonical(_options.Loss) ?? _options.Loss,
            DataDir = source.Dataset.DataDir, TrainList = source.Dataset.TrainList, TestList = source.Dataset.TestList,
        }, ConfigJson)!.AsObject();
        config["dataset"] = source.Dataset.Name;
        config["profile"] = source.Dataset.Profile.ToString().ToLowerInvariant();
        config["skip_corrupt"] = source.Dataset.SkipCorrupt;
        config["seed"] = source.Seed;
        AtomicFile.WriteText(Path.Combine(RunDir, "config.json"), config.ToJsonString(ConfigJson));
    }

    private (Tensor Weight, Tensor Bias, TunedValue? Tuned, double Loss, string Description) TauNorm(
        Tensor headWeight, Tensor headBias, FeatureSet? val, string? validation)
    {
        using var _ = torch.no_grad();
        var bias = _options.KeepBias ? headBias.detach().clone() : torch.zeros_like(headBias);
        TunedValue? tuned = null;
        double tau;
        if (_options.Tau is { } given) tau = given;
        else
        {
            tuned = ValidationSearch.Select("tau_norm_tau", ValidationSearch.TauGrid,
                t => nn.functional.linear(val!.Features, TauNormalization.Apply(headWeight, t), bias), val!.Labels, validation!);
            tau = tuned.Value;
            _observer.Message(string.Create(CultureInfo.InvariantCulture,
                $"τ = {tau:G3} chosen on validation (balanced accuracy {tuned.ValidationBalancedAccuracy[Array.IndexOf(tuned.Grid, tau)]:F2} %)"));
        }
        var weight = TauNormalization.Apply(headWeight, tau);
        return (weight, bias, tuned, double.NaN,
            string.Create(CultureInfo.InvariantCulture, $"τ-norm (τ = {tau:G3}{(tuned is null ? "" : ", chosen on validation")}{(_options.KeepBias ? ", bias kept" : "")})"));
    }

    private (Tensor, Tensor, TunedValue?, double, string) Lws(Tensor headWeight, Tensor headBias, FeatureSet train, FeatureSet? val,
        long[] counts, int seed, RunLog log)
    {
        using var lws = new LearnableWeightScaling(headWeight, headBias);
        double loss = Trainer(log).Train(lws, [lws.Scales], train, val, CreateLoss(counts), Sampler(train, seed), null, RunDir);
        var (w, b) = lws.Fold();
        return (w, b, null, loss, $"LWS ({LossFactory.Canonical(_options.Loss)}, {_options.Sampler} sampling)");
    }

    private (Tensor, Tensor, TunedValue?, double, string) Crt(Tensor headWeight, Tensor headBias, FeatureSet train, FeatureSet? val,
        long[] counts, int seed, RunLog log)
    {
        using var head = nn.Linear(headWeight.shape[1], headWeight.shape[0]);
        head.to(_device);
        using (torch.no_grad())
        {
            if (_options.KeepHead)
            {
                head.weight!.copy_(headWeight);
                head.bias!.copy_(headBias);
            }
            else
            {
                // nn.Linear's own initialisation, U(±1/√fan_in) for weight and bias, redrawn from a generator
                // the run owns rather than libtorch's process-wide one.
                using var generator = new Generator((ulong)Seeds.Derive(seed, 0, Seeds.Stream.Init), _device);
                double bound = 1 / Math.Sqrt(headWeight.shape[1]);
                head.weight!.uniform_(-bound, bound, generator);
                head.bias!.uniform_(-bound, bound, generator);
            }
        }
        Action? project = null;
        string constraint = "";
        if (_options.MaxNorm is { } t)
        {
            double radius = MaxNormProjection.Radius(headWeight, t);
            project = () => MaxNormProjection.Project(head.weight!, radius);
            constraint = string.Create(CultureInfo.InvariantCulture, $", MaxNorm {t:G3} (radius {radius:G4})");
        }
        double loss = Trainer(log).Train(head, [head.weight!, head.bias!], train, val, CreateLoss(counts), Sampler(train, seed), project, RunDir);
        return (head.weight!.detach().clone(), head.bias!.detach().clone(), null, loss,
            $"cRT ({LossFactory.Canonical(_options.Loss)}, {_options.Sampler} sampling{(_options.KeepHead ? ", from the fine-tuned head" : "")}{constraint}" +
            string.Create(CultureInfo.InvariantCulture, $", wd {_options.WeightDecay:G3})"));
    }

    private HeadTrainer Trainer(RunLog log) => new()
    {
        Stage = HeadMethods.Name(_method), Epochs = Epochs, BatchSize = _options.BatchSize, Lr = _options.Lr,
        Momentum = _options.Momentum, WeightDecay = _options.WeightDecay, Observer = _observer, Log = log,
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

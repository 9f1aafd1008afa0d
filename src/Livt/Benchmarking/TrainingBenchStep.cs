using Livt.Configuration;
using Livt.Data;
using Livt.Engine;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Training;
using Livt.Training.Pretraining;
using static TorchSharp.torch;

namespace Livt.Benchmarking;

/// <summary>
/// <c>livt bench train</c> and <c>pretrain</c>: the step a run of a resolved config takes, built as the
/// runners build it (<see cref="StageModel"/>, the stage, <see cref="TrainStep.For"/>) and run as the trainer
/// runs it (a generator reseeded from the step), its parts timed through <see cref="IStepTimer"/>. Under a
/// launcher every process builds the same step on the job's <see cref="IDataParallel"/>, starts from rank 0's
/// weights and averages gradients every step, as a data-parallel run does.
/// </summary>
internal sealed class TrainingBenchStep : IBenchStep
{
    private readonly IDisposable _parts;
    private readonly TrainStep _step;
    private readonly PartTimer _timer;
    private readonly Generator _generator;
    private readonly int _seed;

    private TrainingBenchStep(IDisposable parts, TrainStep step, TrainConfig config, Device device)
    {
        (_parts, _step, _seed) = (parts, step, config.Seed);
        _timer = new PartTimer(device);
        _step.Timer = _timer;
        _generator = new Generator((ulong)config.Seed);
    }

    public IReadOnlyList<StepTimings> Parts => _timer.Parts;

    /// <summary>The fine-tuning step: the classifier of <paramref name="modelConfig"/> with the run's loss
    /// (class counts <paramref name="classCounts"/>), Mixup/CutMix as configured, in training mode.</summary>
    public static TrainingBenchStep Finetune(TrainConfig config, VitConfig modelConfig, long[] classCounts, PrecisionChoice precision, Device device,
        IDataParallel parallel)
    {
        var parts = StageModel.Classifier(config, modelConfig, precision, device, parallel.WorldSize);
        var loss = StageModel.Loss(config, classCounts);
        var stage = new FinetuneStage(parts.Model, parts.Precision, loss, config, device, modelConfig.NumClasses, _ => (null, null));
        return Train(parts, parts.Model, parts.Precision, parts.Optimizer, stage, config, device, parallel);
    }

    /// <summary>The pretraining step of the run's <c>--method</c> (<see cref="PretrainingMethods"/>) on the encoder of
    /// <paramref name="modelConfig"/>.</summary>
    public static TrainingBenchStep Pretrain(TrainConfig config, VitConfig modelConfig, PrecisionChoice precision, Device device, IDataParallel parallel)
    {
        // The bench times steps, not a schedule: the momentum schedules see a long epoch and stay near their start.
        var setup = new PretrainingSetup(config, modelConfig, precision, device, parallel, StepsPerEpoch: 1 << 20, NullTrainingObserver.Instance);
        var objective = PretrainingMethods.Check(config).Create(setup);
        return Train(objective, objective.Model, objective.Precision, objective.Optimizer, new PretrainStage(objective, device),
            config, device, parallel);
    }

    private static TrainingBenchStep Train(IDisposable parts, nn.Module model, MixedPrecision? precision, FlatOptimizer optimizer,
        ITrainingStage stage, TrainConfig config, Device device, IDataParallel parallel)
    {
        model.train();
        precision?.Work.train();
        // As the trainer starts: rank 0's weights everywhere, then the bf16 working copy refreshed from them.
        parallel.BroadcastParameters(model);
        precision?.PushWeights();
        return new TrainingBenchStep(parts, TrainStep.For(config.TrainerOptions(parallel.WorldSize), stage, optimizer, parallel), config, device);
    }

    public void Run(Batch batch, int index, bool timed)
    {
        _generator.manual_seed(Seeds.Derive(_seed, index, Seeds.Stream.Torch));
        _timer.Begin(timed);
        // Mid-schedule: the learning rate does not change the work, and a warm-up's zero lr would hide nothing.
        double loss = _step.Run(batch, new StepContext(0, index, index, index, _generator), progress: 0.5);
        if (!double.IsFinite(loss))
            throw new LivtException($"bench: the loss became {loss} at step {index + 1}, so backward and the optimizer were skipped; the " +
                "timings would be wrong");
    }

    public void Dispose()
    {
        _generator.Dispose();
        _parts.Dispose();
    }
}

using Livt.Data;
using Livt.Distributed;
using Livt.Optimization;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>
/// The seam between the training loop and the processes that train one model together. The trainer
/// calls it at fixed points: parameters are made equal once at the start, gradients are averaged
/// once per optimizer step (not on accumulation micro-steps), every epoch's sample order is cut into
/// this process's shard, and only the first process writes files (through <see cref="RunFolder"/>).
/// <see cref="SingleProcessParallel"/> is the one-process case, <see cref="ProcessGroupParallel"/> the
/// multi-process one, <see cref="ReplicatedParallel"/> several processes that each train on all the data.
/// </summary>
public interface IDataParallel
{
    /// <summary>The processes' group, for collectives beyond these calls (sharded evaluation, agreement checks).</summary>
    IProcessGroup Group { get; }

    /// <summary>This process's index among those that split the data, 0 … <see cref="WorldSize"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of processes that split the data (1 where each trains on all of it, <see cref="ReplicatedParallel"/>).</summary>
    int WorldSize { get; }

    /// <summary>True for the one process that writes configs, logs, checkpoints and reports.</summary>
    bool IsWriter => Rank == 0;

    /// <summary>Makes every process's parameters and buffers equal to the first process's.</summary>
    void BroadcastParameters(nn.Module model);

    /// <summary>Replaces every gradient of <paramref name="store"/> by its mean over the processes.</summary>
    void AverageGradients(ParameterStore store);

    /// <summary>This process's part of every epoch of <paramref name="sampler"/>.</summary>
    ISampler Shard(ISampler sampler);

    /// <summary>The sum of <paramref name="value"/> over the processes (for logged means).</summary>
    double Sum(double value);
}

using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The projection MLP of a contrastive method, an <c>nn.Sequential</c> with PyTorch's numbering
/// (<c>0</c> Linear, <c>1</c> BatchNorm1d or activation, …), so its parameters are named like the official
/// heads (<c>mlp.0.weight</c>, <c>head.3.bias</c>). PyTorch's default Linear and BatchNorm init, as the
/// official heads keep. Returns unnormalised features. The BatchNorm layers are <see cref="SyncBatchNorm"/>:
/// PyTorch's BatchNorm1d in one process, the job's statistics when given its sum.
/// </summary>
public sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _layers = new();

    /// <summary>Builds the head; with <paramref name="generator"/> the Linear layers' PyTorch default init,
    /// U(±1/√fan_in) for weight and bias, is drawn from it instead of libtorch's global generator.</summary>
    /// <param name="config">The layers.</param>
    /// <param name="generator">Random source of the initialisation.</param>
    /// <param name="processSum">Sums a tensor over the job's processes with gradient, so the BatchNorm layers
    /// normalise with the statistics of the whole job's batch (<see cref="SyncBatchNorm"/>); null: this process's.</param>
    /// <exception cref="ArgumentException">The configuration is invalid.</exception>
    public ProjectionHead(ProjectionHeadConfig config, Generator? generator = null, Func<Tensor, Tensor>? processSum = null) : base(nameof(ProjectionHead))
    {
        config.Validate();
        Config = config;
        int width = config.InDim;
        for (int i = 0; i < config.HiddenLayers; i++)
        {
            Add(nn.Linear(width, config.HiddenDim, hasBias: config.HiddenBias));
            if (config.Norm == ProjectionNorm.BatchNorm) Add(new SyncBatchNorm(config.HiddenDim, processSum: processSum));
            Add(config.Activation == ProjectionActivation.Gelu ? nn.GELU() : nn.ReLU());
            width = config.HiddenDim;
        }
        Add(nn.Linear(width, config.OutDim, hasBias: config.OutputBias));
        if (config.OutputBatchNorm) Add(new SyncBatchNorm(config.OutDim, affine: false, processSum: processSum));
        if (generator is null) return;
        using var _ = torch.no_grad();
        foreach (var linear in _layers.OfType<Linear>())
        {
            double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
            CpuRandom.Uniform_(linear.weight!, -bound, bound, generator);
            if (linear.bias is { } bias) CpuRandom.Uniform_(bias, -bound, bound, generator);
        }
    }

    /// <summary>The configuration.</summary>
    public ProjectionHeadConfig Config { get; }

    /// <summary>[B, InDim] → [B, OutDim].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var layer in _layers) x = layer.call(x);
        return x.MoveToOuterDisposeScope();
    }

    // Registered under their index, as nn.Sequential names its children.
    private void Add(nn.Module<Tensor, Tensor> layer)
    {
        register_module(_layers.Count.ToString(), layer);
        _layers.Add(layer);
    }
}

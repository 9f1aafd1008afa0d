using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.Shared;

/// <summary>
/// The momentum (MoCo v3) or target (BYOL) network: a copy of the online network that follows it by EMA
/// (<see cref="MomentumEncoder"/>) and takes no gradient. The EMA moves the fp32 weights, the optimizer's and
/// checkpoints'; under bf16 the working copy's target is then refreshed from them before it computes, as
/// autocast would compute with the fp32 weights.
/// </summary>
internal sealed class TargetNetwork
{
    private readonly MomentumEncoder _ema;
    private readonly (Tensor Master, Tensor Work)[] _mirror;

    /// <summary>Pairs <paramref name="target"/> with <paramref name="online"/> (copying the online weights into
    /// it) and, under bf16, with <paramref name="workTarget"/>, the working copy's target.</summary>
    public TargetNetwork(nn.Module online, nn.Module target, nn.Module? workTarget)
    {
        _ema = new MomentumEncoder(online, target, momentum: 1);
        if (workTarget is null)
        {
            _mirror = [];
            return;
        }
        var work = workTarget.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        _mirror = target.named_parameters().Select(p => ((Tensor)p.parameter, work[p.name])).ToArray();
    }

    /// <summary>θ_target ← m·θ_target + (1 − m)·θ_online, then the working copy refreshed.</summary>
    public void Update(double momentum)
    {
        _ema.Update(momentum);
        if (_mirror.Length == 0) return;
        using var _ = torch.no_grad();
        foreach (var (master, work) in _mirror) work.copy_(master);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// MoCo's key encoder (PaCo, TSC): a second copy of the online model whose parameters follow the online
/// ones by EMA, θ_k ← m·θ_k + (1 − m)·θ_q, and never receive gradient. The copy starts equal to the online
/// model (parameters and buffers); its buffers then evolve with its own forward passes, as in MoCo.
/// </summary>
public sealed class MomentumEncoder
{
    private readonly (Tensor Online, Tensor Key)[] _pairs;

    /// <summary>Pairs <paramref name="key"/>'s parameters with <paramref name="online"/>'s by name, copies
    /// the online weights and buffers into it and freezes it.</summary>
    /// <param name="online">The model trained by the optimizer.</param>
    /// <param name="key">A model of the same architecture (built from the same configuration).</param>
    /// <param name="momentum">m in [0, 1] (MoCo and TSC: 0.999).</param>
    /// <exception cref="ArgumentException">The two models' parameters or buffers differ in name or shape.</exception>
    public MomentumEncoder(nn.Module online, nn.Module key, double momentum)
    {
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "in [0, 1]");
        Momentum = momentum;
        Key = key;
        var onlineParams = online.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var keyParams = key.named_parameters().ToList();
        var onlineBuffers = online.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        var keyBuffers = key.named_buffers().ToList();
        if (keyParams.Count != onlineParams.Count || keyBuffers.Count != onlineBuffers.Count)
            throw new ArgumentException("the key encoder's parameters or buffers differ from the online model's");
        using var _ = torch.no_grad();
        var pairs = new List<(Tensor, Tensor)>();
        foreach (var (name, p) in keyParams)
        {
            if (!onlineParams.TryGetValue(name, out var q) || !q.shape.SequenceEqual(p.shape))
                throw new ArgumentException($"the key encoder's parameter '{name}' has no counterpart of its shape in the online model");
            p.copy_(q);
            p.requires_grad = false;
            pairs.Add((q, p));
        }
        foreach (var (name, b) in keyBuffers)
        {
            if (!onlineBuffers.TryGetValue(name, out var q) || !q.shape.SequenceEqual(b.shape))
                throw new ArgumentException($"the key encoder's buffer '{name}' has no counterpart of its shape in the online model");
            b.copy_(q);
        }
        _pairs = pairs.ToArray();
    }

    /// <summary>The EMA momentum m of <see cref="Update()"/>.</summary>
    public double Momentum { get; }

    /// <summary>The key encoder (call it under <c>torch.no_grad()</c>).</summary>
    public nn.Module Key { get; }

    /// <summary>One EMA step from the online parameters (MoCo does it before computing the keys).</summary>
    public void Update() => Update(Momentum);

    /// <summary>One EMA step with the momentum <paramref name="momentum"/> of this step (MoCo v3 and BYOL
    /// raise it to 1 on a cosine over the run).</summary>
    public void Update(double momentum)
    {
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "in [0, 1]");
        using var _ = torch.no_grad();
        // Scalars held for the whole loop: a temporary one can be finalized while libtorch reads it.
        using var m = momentum.ToScalar();
        using var rest = (1 - momentum).ToScalar();
        foreach (var (online, key) in _pairs) key.mul_(m).add_(online, rest);
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Decoupling;

/// <summary>
/// LWS, learnable weight scaling (Kang et al., ICLR 2020; the official <c>TauNormClassifier.py</c>'s
/// <c>DotProduct_Classifier</c>): the fine-tuned linear head, frozen, and one trainable scale per class
/// on its logits, z_c = f_c · (w_c·x + b_c), the scales starting at 1. <see cref="Fold"/> folds the
/// scales into an ordinary linear head (f_c·w_c, f_c·b_c) that gives the same logits.
/// </summary>
public sealed class LearnableWeightScaling : nn.Module<Tensor, Tensor>
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly Parameter scales;

    /// <summary>Scales for the head <paramref name="weight"/> [C, D] and <paramref name="bias"/> [C],
    /// which are copied and never trained.</summary>
    public LearnableWeightScaling(Tensor weight, Tensor bias) : base(nameof(LearnableWeightScaling))
    {
        if (weight.dim() != 2 || bias.dim() != 1 || bias.shape[0] != weight.shape[0])
            throw new ArgumentException($"a head is weight [C, D] and bias [C], got [{string.Join(", ", weight.shape)}] and [{string.Join(", ", bias.shape)}]");
        _weight = weight.detach().clone();
        _bias = bias.detach().clone();
        scales = new Parameter(torch.ones(weight.shape[0], dtype: weight.dtype, device: weight.device));
        RegisterComponents();
    }

    /// <summary>The per-class scales f [C] (the only trainable parameter).</summary>
    public Parameter Scales => scales;

    /// <summary>Features [N, D] → scaled logits [N, C].</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(nn.functional.linear(features, _weight, _bias) * scales);
    }

    /// <summary>The equivalent linear head: weight f_c·w_c [C, D] and bias f_c·b_c [C], new tensors.</summary>
    public (Tensor Weight, Tensor Bias) Fold()
    {
        using var _ = torch.no_grad();
        var f = scales.detach();
        return (_weight * f.unsqueeze(1), _bias * f);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _weight.Dispose();
            _bias.Dispose();
        }
        base.Dispose(disposing);
    }
}

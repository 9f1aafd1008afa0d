using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// A classifier whose logits are one linear head on pooled features — the ViT and the CNNs — which is
/// what the second stages re-train on a frozen encoder (<c>livt retrain-head</c>) and what a saved
/// head's folded logit scale multiplies.
/// </summary>
public abstract class LinearHeadClassifier : ClassifierModel
{
    private protected LinearHeadClassifier(string name) : base(name) { }

    /// <summary>The pooled features [N, D] the head sees.</summary>
    public abstract Tensor ForwardFeatures(Tensor images);

    /// <summary>The classifier head, weight [C, D] and bias [C].</summary>
    public abstract Linear Head { get; }

    /// <summary>The head's name in the state dict (timm's <c>head</c>, LDAM-DRW's <c>linear</c>,
    /// torchvision's <c>fc</c>), so a file's <c>{HeadName}.weight</c> is the head's weight.</summary>
    public abstract string HeadName { get; }

    /// <summary>[N, C, H, W] → logits [N, NumClasses]: the head on the pooled features.</summary>
    public override Tensor forward(Tensor images)
    {
        using var features = ForwardFeatures(images);
        return Classify(features);
    }

    /// <summary>The head on pooled features [N, D] → logits [N, NumClasses] (a linear layer here; a ViT
    /// with a cosine classifier overrides it).</summary>
    public virtual Tensor Classify(Tensor features) => Head.call(features);
}

using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// What fine-tuning, evaluation and prediction need of a classifier, whether a ViT with one head
/// (<see cref="VisionTransformer"/>), SADE's experts (<see cref="MultiExpertVisionTransformer"/>), DeiT's
/// ViT with a distillation head (<see cref="DistilledVisionTransformer"/>) or a CNN (<see cref="CifarResNet"/>,
/// <see cref="ResNet"/>): <c>forward</c> gives the logits a prediction uses [N, C]; <see cref="TrainingOutput"/>
/// what the loss takes; a fresh copy of the architecture for a bf16 working copy; the names that place each
/// parameter in the encoder (layer-wise lr decay, loading an MGP encoder).
/// </summary>
public abstract class ClassifierModel : nn.Module<Tensor, Tensor>
{
    private protected ClassifierModel(string name) : base(name) { }

    /// <summary>The architecture (a ViT's depth counts every block an image passes through). Each model
    /// also has its family's <c>Config</c> (not an override: TorchSharp reflects over a module's members by
    /// name, and a covariant override would show it two members of one name).</summary>
    public abstract ArchitectureConfig Architecture { get; }

    /// <summary>The generator the model's random layers (drop path) draw from in training; libtorch's global
    /// one when null. A model without random layers has none to set.</summary>
    public virtual Generator? DropPathGenerator { get => null; set { } }

    /// <summary>The model-file kind (<c>livt.kind</c>): "vit", "vit-experts", "vit-distilled" or "resnet".</summary>
    public abstract string Kind { get; }

    /// <summary>Whether a bf16 working copy (<c>MixedPrecision</c>, which pairs parameters only) computes
    /// what this model computes. False for models whose state includes buffers that training updates
    /// (BatchNorm's running statistics): they train and evaluate in fp32.</summary>
    public virtual bool HasBf16WorkingCopy => true;

    /// <summary>What the training loss takes: the logits [N, C] of a single head; every head's logits
    /// [N, K, C] of a model with several (experts, or the class and distillation heads).</summary>
    public virtual Tensor TrainingOutput(Tensor images) => call(images);

    /// <summary>A new, untrained module of the same architecture (the bf16 working copy's shell).</summary>
    public abstract ClassifierModel NewOfSameArchitecture();

    /// <summary>The name <paramref name="name"/> has in a single-head ViT (which gives its layer id for
    /// layer-wise lr decay): the identity here.</summary>
    public virtual string EncoderName(string name) => name;
}

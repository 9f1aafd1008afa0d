using Livt.Interop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// What fine-tuning, evaluation and prediction need of a ViT classifier, whether one head
/// (<see cref="VisionTransformer"/>) or SADE's experts (<see cref="MultiExpertVisionTransformer"/>):
/// <c>forward</c> gives the logits a prediction uses [N, C]; <see cref="TrainingOutput"/> what the loss
/// takes; a fresh copy of the architecture for a bf16 working copy; the names that place each parameter
/// in the encoder (layer-wise lr decay, loading an MGP encoder).
/// </summary>
public abstract class ClassifierModel : nn.Module<Tensor, Tensor>
{
    private protected ClassifierModel(string name) : base(name) { }

    /// <summary>The configuration of the ViT (its depth counts every block an image passes through).</summary>
    public abstract VitConfig Config { get; }

    /// <summary>The generator drop path draws from in training (libtorch's global one when null).</summary>
    public abstract Generator? DropPathGenerator { get; set; }

    /// <summary>The model-file kind (<c>livt.kind</c>): "vit" or "vit-experts".</summary>
    public abstract string Kind { get; }

    /// <summary>What the training loss takes: the logits [N, C] of a single head; every expert's logits
    /// [N, E, C] of a multi-expert model.</summary>
    public virtual Tensor TrainingOutput(Tensor images) => call(images);

    /// <summary>A new, untrained module of the same architecture (the bf16 working copy's shell).</summary>
    public abstract ClassifierModel NewOfSameArchitecture();

    /// <summary>The name <paramref name="name"/> has in a single-head ViT (which gives its layer id for
    /// layer-wise lr decay): the identity here.</summary>
    public virtual string EncoderName(string name) => name;

    /// <summary>Loads encoder (or classifier) weights under single-head ViT names, not strictly; the report
    /// lists this model's names that found nothing, the names used by none and shape mismatches.</summary>
    public virtual LoadReport LoadEncoderWeights(IReadOnlyDictionary<string, Tensor> weights, string? source) =>
        StateDictLoader.Load(this, weights, strict: false, source: source);
}

using Livt.Engine;
using Livt.Optimization;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining;

/// <summary>
/// What one pretraining method trains, as <see cref="PretrainStage"/> runs it: the fp32 module (everything the
/// optimizer steps plus the method's training state — a momentum or target network, counters — so the trainer's
/// checkpoints carry it), its bf16 working copy, the optimizer over its parameters, the loss of a batch,
/// and the encoder the run leaves for fine-tuning.
/// </summary>
internal interface IPretrainingObjective : IDisposable
{
    /// <summary>The fp32 master module the optimizer steps and checkpoints hold.</summary>
    nn.Module Model { get; }

    /// <summary>The bf16 working copy the loss is computed with, or null in fp32.</summary>
    MixedPrecision? Precision { get; }

    /// <summary>AdamW at the run's learning rate over the trainable parameters' store, grouped by the
    /// method's weight-decay rule.</summary>
    FlatOptimizer Optimizer { get; }

    /// <summary>The scalar fp32 loss of a batch — [N, C, H, W] for a one-view method, [N, V, C, H, W] for a
    /// multi-view one — computed inside the step's dispose scope; it also moves the method's state (a momentum
    /// encoder) as its official step does.</summary>
    Tensor Loss(Tensor images, StepContext step);

    /// <summary>The run's <c>model.safetensors</c>: the trained weights under MAE's names (the module's own
    /// tensors: save them, do not dispose them) and the file's kind, "mae" (encoder and decoder) or "encoder".</summary>
    PretrainedWeights Export();
}

/// <summary>The weights a pretraining run leaves for fine-tuning and its <c>livt.kind</c>.</summary>
/// <param name="Kind">"mae": a masked autoencoder (its decoder is dropped at fine-tuning); "encoder": the encoder alone.</param>
/// <param name="Weights">Tensors under MAE's names (<c>patch_embed.*</c>, <c>cls_token</c>, <c>pos_embed</c>, <c>blocks.*</c>, <c>norm.*</c>, …).</param>
internal sealed record PretrainedWeights(string Kind, IReadOnlyDictionary<string, Tensor> Weights);

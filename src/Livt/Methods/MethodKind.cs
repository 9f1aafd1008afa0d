namespace Livt.Methods;

/// <summary>Where a long-tail method plugs into a run.</summary>
public enum MethodKind
{
    /// <summary>A loss on one head's logits (<c>--loss</c>): the ViT classifier is trained with it.</summary>
    Loss,

    /// <summary>A loss over several experts' logits (<c>--loss</c>) that also gives the model its experts.</summary>
    Experts,

    /// <summary>A supervised contrastive objective (<c>--loss</c>): its own model, views and training state.</summary>
    Contrastive,

    /// <summary>A batch-mixing scheme switched on beside the loss (<c>--cmo</c>).</summary>
    BatchMixing,

    /// <summary>A re-weighting loop switched on beside the loss (<c>--difficulty-net</c>).</summary>
    Reweighting,

    /// <summary>A teacher whose labels train a second head of the student, switched on beside the class head's
    /// loss (<c>--distill-from</c>).</summary>
    Distillation,

    /// <summary>A change to every optimizer step switched on beside the loss (<c>--sam-rho</c>).</summary>
    Optimizer,
}

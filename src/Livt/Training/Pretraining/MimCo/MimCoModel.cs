using Livt.Models;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MimCo;

/// <summary>
/// MimCo's student: an MAE (<see cref="MaskedAutoencoder"/>, MAE's names) whose decoder predicts the teacher's
/// feature of every patch instead of its pixels, and an image head that maps the student's cls token to the
/// teacher's image feature (Linear without bias, BatchNorm, ReLU, Linear).
/// </summary>
internal sealed class MimCoModel : nn.Module
{
    private readonly MaskedAutoencoder mae;
    private readonly ProjectionHead image_head;

    /// <summary>Builds the student for a teacher of width <paramref name="teacherDim"/>.</summary>
    public MimCoModel(VitConfig vit, int teacherDim, int hiddenDim, Generator generator, Func<Tensor, Tensor>? processSum) : base(nameof(MimCoModel))
    {
        mae = new MaskedAutoencoder(vit, generator, predictionDim: teacherDim);
        image_head = new ProjectionHead(
            new ProjectionHeadConfig(vit.EmbedDim, hiddenDim, teacherDim, 1, ProjectionNorm.BatchNorm, ProjectionActivation.Relu) { HiddenBias = false },
            generator, processSum);
        RegisterComponents();
    }

    /// <summary>The masked autoencoder (its encoder is what fine-tuning takes).</summary>
    public MaskedAutoencoder Mae => mae;

    /// <summary>The student's image feature from its cls token.</summary>
    public ProjectionHead ImageHead => image_head;
}

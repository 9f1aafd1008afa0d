using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Training.Setup;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MimCo;

/// <summary>MimCo's teacher: the frozen encoder of a pretraining run (a moco-v3 run in the paper's setting), its
/// cls token and patch tokens after <c>norm</c> as targets, in eval mode and fp32.</summary>
internal static class MimCoTeacher
{
    /// <summary>The normalisation the teacher learnt with (MimCo's inputs must be normalised its way).</summary>
    public static (float[] Mean, float[] Std)? Normalization(string teacher)
    {
        var (file, meta, _) = ModelCheckpoint.Open(teacher);
        using (file) return meta is null ? null : (meta.Mean, meta.Std);
    }

    /// <summary>Loads the teacher for a student of shape <paramref name="student"/>.</summary>
    /// <exception cref="LivtException">The file is not a pretraining run's, or its patch grid differs from the student's.</exception>
    public static VisionTransformer Load(string teacher, VitConfig student, Device device, ITrainingObserver observer)
    {
        var (file, meta, path) = ModelCheckpoint.Open(teacher);
        using (file)
        {
            if (meta is not { Kind: "encoder" or "mae", Model: VitConfig encoder })
                throw new LivtException($"--teacher {teacher}: expected a livt pretrain run's model (kind encoder or mae), got " +
                    $"{(meta is null ? "a file without Livt metadata" : $"kind '{meta.Kind}'")}");
            if (encoder.ImageSize != student.ImageSize || encoder.PatchSize != student.PatchSize || encoder.InChans != student.InChans)
                throw new LivtException($"--teacher {teacher}: its encoder takes {encoder.InChans}×{encoder.ImageSize} px in {encoder.PatchSize}-px patches, " +
                    $"the student {student.InChans}×{student.ImageSize} px in {student.PatchSize}-px patches: the patch features must line up");
            using var scratch = new Generator(0);
            var model = new VisionTransformer(encoder with { GlobalPool = false, DropPathRate = 0 }, scratch);
            EncoderLoader.Load(model, file, meta, path, observer);
            foreach (var p in model.parameters()) p.requires_grad = false;
            model.to(device);
            model.eval();
            observer.Message($"MimCo teacher: {path} ({meta.Pretraining ?? meta.Kind}, {encoder.EmbedDim}-d, depth {encoder.Depth})");
            return model;
        }
    }
}

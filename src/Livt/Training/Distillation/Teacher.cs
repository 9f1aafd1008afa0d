using Livt.Interop;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Distillation;

/// <summary>
/// DeiT-LT's teacher: a trained classifier (a Livt run folder or model file — a CNN such as the official
/// ResNet-32, or any classifier Livt saves) frozen in eval mode, which labels the student's own augmented
/// batch (<c>teacher_outputs.argmax(dim=1)</c>). The batch reaches it as the student sees it, resized
/// bicubically to the teacher's input size when they differ (the official
/// <c>transforms.Resize(teacher_size, interpolation=3)</c> on the batch) and re-normalised from the
/// student's mean/std to the teacher's when those differ. It computes in fp32 without gradients; under
/// several processes each process's teacher labels its own batch.
/// </summary>
internal sealed class Teacher : IDisposable
{
    private readonly ClassifierModel _model;
    private readonly int _studentSize;
    private readonly Tensor? _scale, _shift;

    private Teacher(ClassifierModel model, ModelMetadata meta, string path, int studentSize, Tensor? scale, Tensor? shift)
    {
        (_model, Metadata, Path, _studentSize, _scale, _shift) = (model, meta, path, studentSize, scale, shift);
    }

    /// <summary>The teacher's metadata.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>Its model file.</summary>
    public string Path { get; }

    /// <summary>Loads the teacher of a student with <paramref name="numClasses"/> classes and
    /// <paramref name="channels"/> channels that sees <paramref name="studentSize"/>-px images normalised with
    /// <paramref name="mean"/>/<paramref name="std"/>.</summary>
    /// <exception cref="LivtException">The file is not a classifier, or another number of classes or channels.</exception>
    public static Teacher Load(string fileOrRunDir, Device device, int numClasses, int channels, int studentSize, float[] mean, float[] std)
    {
        var path = ModelCheckpoint.Resolve(fileOrRunDir);
        var (model, meta) = ModelCheckpoint.LoadModel(fileOrRunDir, device);
        try
        {
            if (meta.Model.NumClasses != numClasses || meta.Model.InChans != channels)
                throw new LivtException($"--distill-from {fileOrRunDir}: the teacher takes {meta.Model.InChans}-channel images into " +
                    $"{meta.Model.NumClasses} classes; " +
                                        $"the student's data has {channels} channel(s) and {numClasses} classes");
            Tensor? scale = null, shift = null;
            if (!mean.SequenceEqual(meta.Mean) || !std.SequenceEqual(meta.Std))
            {
                // x_teacher = (x·σ_s + μ_s − μ_t) / σ_t, per channel.
                double[] Per(Func<int, double> f) => Enumerable.Range(0, channels).Select(f).ToArray();
                float Of(float[] v, int c) => v.Length == 1 ? v[0] : v[c];
                scale = torch.tensor(Per(c => Of(std, c) / Of(meta.Std, c)), ScalarType.Float32, device).view(1, channels, 1, 1);
                shift = torch.tensor(Per(c => (Of(mean, c) - Of(meta.Mean, c)) / Of(meta.Std, c)), ScalarType.Float32, device).view(1, channels, 1, 1);
            }
            model.eval();
            foreach (var p in model.parameters()) p.requires_grad = false;
            return new Teacher(model, meta, path, studentSize, scale, shift);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A line for the run's opening message.</summary>
    public string Describe() =>
        $"teacher {Path} ({Metadata.Kind} {Metadata.Model.Summary}, {Metadata.Model.ImageSize} px" +
        (Metadata.Model.ImageSize != _studentSize ? $": the {_studentSize}-px batch resized bicubically" : "") +
        (_scale is not null ? ", re-normalised to its mean/std" : "") + ")";

    /// <summary>The teacher's class for every image of the student's batch [N, C, H, W] (fp32): [N] int64.</summary>
    public Tensor Labels(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = images.to(ScalarType.Float32);
        int size = Metadata.Model.ImageSize;
        if (x.shape[2] != size || x.shape[3] != size)
            x = nn.functional.interpolate(x, size: [size, size], mode: InterpolationMode.Bicubic, align_corners: false);
        using Scalar one = 1;
        if (_scale is not null) x = x.mul(_scale).add(_shift!, one);
        return _model.call(x).argmax(1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _model.Dispose();
        _scale?.Dispose();
        _shift?.Dispose();
    }
}

using Livt.Interop;
using Livt.Models;
using TorchSharp;
using static TorchSharp.torch;


namespace Livt.Interop;

/// <summary>
/// <c>model.safetensors</c>: final weights under timm/MAE names (loadable by PyTorch as they are) plus
/// <see cref="ModelMetadata"/>. Accepts a file or a run folder wherever a checkpoint is asked for.
/// </summary>
public static class ModelCheckpoint
{
    /// <summary>The model file inside a run folder.</summary>
    public const string FileName = "model.safetensors";

    /// <summary>Writes the module's state (parameters and buffers) and metadata, atomically.</summary>
    public static void Save(string path, nn.Module module, ModelMetadata metadata) =>
        SafeTensors.Write(path, module.state_dict(), metadata.ToSafeTensorsMetadata());

    /// <summary>Resolves a run folder to its model file; checks the file exists.</summary>
    public static string Resolve(string fileOrRunDir)
    {
        var path = Directory.Exists(fileOrRunDir) ? Path.Combine(fileOrRunDir, FileName) : fileOrRunDir;
        if (!File.Exists(path))
            throw new LivtException(Directory.Exists(fileOrRunDir)
                ? $"{fileOrRunDir}: run folder has no {FileName} (did that run finish?)"
                : $"{fileOrRunDir}: checkpoint file not found");
        return path;
    }

    /// <summary>Opens a checkpoint; the caller disposes the returned file.</summary>
    public static (SafeTensorsFile File, ModelMetadata Metadata, string Path) Open(string fileOrRunDir)
    {
        var path = Resolve(fileOrRunDir);
        var file = SafeTensors.Read(path);
        try
        {
            return (file, ModelMetadata.FromSafeTensorsMetadata(file.Metadata, path), path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Loads a saved classifier (kind "vit") for evaluation or prediction, in eval mode.</summary>
    public static (VisionTransformer Model, ModelMetadata Metadata) LoadClassifier(string fileOrRunDir, Device device)
    {
        var (file, meta, path) = Open(fileOrRunDir);
        using (file)
        {
            if (meta.Kind != "vit")
                throw new LivtException($"{path}: is a '{meta.Kind}' checkpoint (MGP pretraining), not a classifier: fine-tune it first (livt finetune --init {fileOrRunDir})");
            var model = new VisionTransformer(meta.Model);
            StateDictLoader.Load(model, file.Tensors, strict: true, source: path);
            model.to(device);
            model.eval();
            return (model, meta);
        }
    }
}

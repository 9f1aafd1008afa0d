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
    /// <remarks>With <see cref="ModelMetadata.LogitScale"/> the file's head weight rows and bias (<c>head.*</c>,
    /// or the CNN's <see cref="LinearHeadClassifier.HeadName"/>) are the module's multiplied by it (the module itself is unchanged), so the saved classifier's logits
    /// are the module's z_c·s_c.</remarks>
    public static void Save(string path, nn.Module module, ModelMetadata metadata)
    {
        if (metadata.LogitScale is not { } scale)
        {
            SafeTensors.Write(path, module.state_dict(), metadata.ToSafeTensorsMetadata());
            return;
        }
        using var scope = torch.NewDisposeScope();
        var state = new Dictionary<string, Tensor>(module.state_dict());
        var head = (module as LinearHeadClassifier)?.HeadName ?? "head";
        foreach (var name in new[] { $"{head}.weight", $"{head}.bias" })
        {
            if (!state.TryGetValue(name, out var t) || t.shape[0] != scale.Length)
                throw new ArgumentException($"a logit scale of {scale.Length} classes needs a {name} with as many rows", nameof(metadata));
            var s = torch.tensor(scale, t.dtype, t.device);
            state[name] = t.dim() == 2 ? t * s.unsqueeze(1) : t * s;
        }
        SafeTensors.Write(path, state, metadata.ToSafeTensorsMetadata());
    }

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

    /// <summary>Opens a checkpoint (Livt's safetensors, a raw timm/MAE safetensors or a PyTorch .pth);
    /// the metadata is null for a file without Livt's. The caller disposes the returned file.</summary>
    public static (WeightsFile File, ModelMetadata? Metadata, string Path) Open(string fileOrRunDir)
    {
        var path = Resolve(fileOrRunDir);
        var file = WeightsFile.Open(path);
        try
        {
            var meta = file.Metadata.ContainsKey("livt.kind") ? ModelMetadata.FromSafeTensorsMetadata(file.Metadata, path) : null;
            return (file, meta, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a classifier of one linear head (the kind retrain-head takes), in eval mode: a Livt ViT
    /// (kind "vit") or CNN (kind "resnet"), or weights without Livt's metadata (an official .pth, a converted
    /// safetensors), whose architecture is read from the tensor shapes and whose heads and normalisation
    /// come from <paramref name="raw"/> or their defaults (<see cref="ModelMetadata.ForRawClassifier"/>).
    /// </summary>
    public static (LinearHeadClassifier Model, ModelMetadata Metadata) LoadClassifier(string fileOrRunDir, Device device, RawCheckpointOptions? raw = null)
    {
        var (model, meta) = LoadModel(fileOrRunDir, device, raw);
        if (model is LinearHeadClassifier single) return (single, meta);
        model.Dispose();
        throw new LivtException($"{ModelCheckpoint.Resolve(fileOrRunDir)}: is a '{meta.Kind}' model (several heads); this command takes a classifier of one head, a ViT or a CNN (evaluate and predict take every kind)");
    }

    /// <summary>
    /// Loads a classifier for evaluation or prediction, in eval mode: as <see cref="LoadClassifier"/>,
    /// SADE's multi-expert model (kind "vit-experts"), whose <c>forward</c> averages its experts, or DeiT's
    /// ViT with a distillation head (kind "vit-distilled"), whose <c>forward</c> averages its two heads.
    /// </summary>
    public static (ClassifierModel Model, ModelMetadata Metadata) LoadModel(string fileOrRunDir, Device device, RawCheckpointOptions? raw = null)
    {
        var (file, livtMeta, path) = Open(fileOrRunDir);
        using (file)
        {
            if (livtMeta is { Kind: not ("vit" or MultiExpertVisionTransformer.FileKind or DistilledVisionTransformer.FileKind or CifarResNet.FileKind) })
                throw new LivtException($"{path}: is a '{livtMeta.Kind}' checkpoint (MGP pretraining), not a classifier: fine-tune it first (livt finetune --init {fileOrRunDir})");
            var meta = livtMeta ?? ModelMetadata.ForRawClassifier(file.Tensors, raw, path);
            double held = file.Tensors.Values.Sum(t => (double)t.NumberOfElements), needed = meta.MinimumParameters();
            if (needed > held)
                throw new LivtException($"{path}: the metadata describes a model of at least {needed:0} weights, the file holds {held:0}: the metadata does not belong to these weights");
            ClassifierModel model;
            try
            {
                model = (meta.Kind, meta.Model) switch
                {
                    (_, ResNetConfig cnn) => ResNet.Create(cnn),
                    (MultiExpertVisionTransformer.FileKind, VitConfig vit) => new MultiExpertVisionTransformer(vit, meta.Experts, meta.ExpertDepth),
                    (DistilledVisionTransformer.FileKind, VitConfig vit) => new DistilledVisionTransformer(vit),
                    (_, VitConfig vit) => new VisionTransformer(vit),
                    _ => throw new LivtException($"{path}: a '{meta.Kind}' model without a ViT or ResNet architecture"),
                };
            }
            catch (ArgumentException e)
            {
                throw new LivtException($"{path}: {e.Message}");
            }
            try
            {
                StateDictLoader.Load(model, file.Tensors, strict: true, source: path);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            model.to(device);
            model.eval();
            return (model, meta);
        }
    }
}


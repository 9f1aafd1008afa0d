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
    /// or the CNN's <see cref="LinearHeadClassifier.HeadName"/>) are the module's multiplied by it (the module itself is
    /// unchanged), so the saved classifier's logits are the module's z_c·s_c.</remarks>
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
        throw new LivtException($"{ModelCheckpoint.Resolve(fileOrRunDir)}: is a '{meta.Kind}' model (several heads); this command takes a classifier of one " +
            "head, a ViT or a CNN (evaluate, predict and export take every kind)");
    }

    /// <summary>True when <paramref name="fileOrRunDir"/> is a pretraining run's model (kind "mae" or "encoder"),
    /// whose encoder has no trained classifier head.</summary>
    public static bool IsPretrained(string fileOrRunDir)
    {
        var (file, meta, _) = Open(fileOrRunDir);
        using (file) return meta?.Kind is "mae" or "encoder";
    }

    /// <summary>
    /// A pretraining run's encoder (<see cref="IsPretrained"/>) under a new linear head of one output per training
    /// class, in eval mode, as a linear probe takes it: the feature is the cls token after the encoder's
    /// <c>norm</c> (MAE's and MoCo v3's linear-probe protocol), the head freshly initialised. Its metadata is a
    /// classifier's (kind "vit").
    /// </summary>
    /// <exception cref="LivtException">Not a pretraining run's model, or its weights do not fit its own architecture.</exception>
    public static (VisionTransformer Model, ModelMetadata Metadata) LoadProbe(string fileOrRunDir, Device device)
    {
        var (file, meta, path) = Open(fileOrRunDir);
        using (file)
        {
            if (meta is not { Kind: "mae" or "encoder", Model: VitConfig encoder })
                throw new LivtException($"{path}: not a pretraining run's model (kind mae or encoder), so there is no bare encoder to probe");
            var config = encoder with { GlobalPool = false, DropPathRate = 0, NumClasses = meta.ClassCounts.Length };
            var model = new VisionTransformer(config);
            try
            {
                var report = StateDictLoader.Load(model, StateDictLoader.EncoderFromMae(file.Tensors, globalPool: false), strict: false, source: path);
                var missing = report.Missing.Where(k => !k.StartsWith("head.", StringComparison.Ordinal)).ToList();
                if (missing.Count > 0 || report.Unexpected.Count > 0 || report.ShapeMismatched.Count > 0)
                    throw new LivtException($"{path}: the encoder does not fit its own recorded architecture: " +
                        string.Join("; ", missing.Concat(report.Unexpected).Concat(report.ShapeMismatched).Take(10)));
            }
            catch
            {
                model.Dispose();
                throw;
            }
            model.to(device);
            model.eval();
            return (model, meta with { Kind = "vit", Model = config });
        }
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
                throw new LivtException($"{path}: is a '{livtMeta.Kind}' checkpoint ({livtMeta.Pretraining ?? "MGP"} pretraining), not a classifier: " +
                    $"fine-tune it first (livt finetune --init {fileOrRunDir})");
            var meta = livtMeta ?? ModelMetadata.ForRawClassifier(file.Tensors, raw, path);
            double held = file.Tensors.Values.Sum(t => (double)t.NumberOfElements), needed = meta.MinimumParameters();
            if (needed > held)
                throw new LivtException($"{path}: the metadata describes a model of at least {needed:0} weights, the file holds {held:0}: the metadata does " +
                    "not belong to these weights");
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


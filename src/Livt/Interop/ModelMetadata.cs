using System.Text.Json;
using System.Text.Json.Serialization;
using Livt.Models;


namespace Livt.Interop;

/// <summary>
/// What a saved model needs besides its weights to be evaluated or used for prediction with nothing
/// else at hand: architecture, preprocessing and the training label distribution. Stored as
/// <c>livt.*</c> strings in the safetensors <c>__metadata__</c> map, beside timm/MAE-named weights.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>"vit" for a ViT classifier, "vit-experts" for SADE's multi-expert classifier, "vit-distilled"
    /// for DeiT's ViT with a distillation head, "resnet" for a CNN classifier, "mae" for a masked autoencoder's
    /// pretraining checkpoint (MGP, MimCo), "encoder" for another pretraining method's encoder alone (MAE's
    /// names without the decoder).</summary>
    public required string Kind { get; init; }

    /// <summary>The architecture: a <see cref="VitConfig"/>, or a <see cref="ResNetConfig"/> for kind "resnet".</summary>
    public required ArchitectureConfig Model { get; init; }
    public required float[] Mean { get; init; }
    public required float[] Std { get; init; }
    /// <summary>Where <see cref="Mean"/> and <see cref="Std"/> come from when they are a dataset's official
    /// constants rather than the training split's statistics (e.g. "inat18": LiVT's <c>util/datasets.py</c>);
    /// null otherwise.</summary>
    public string? Normalization { get; init; }
    public required string[] ClassNames { get; init; }
    /// <summary>Training images per class: the prior used by balanced losses, shot groups and
    /// post-hoc logit adjustment.</summary>
    public required long[] ClassCounts { get; init; }
    public required string Dataset { get; init; }
    public double Imbalance { get; init; }
    public int Seed { get; init; }
    /// <summary>The loss a classifier was trained with (which prior its logits assume); null for MGP.</summary>
    public string? Loss { get; init; }
    /// <summary>"class-balanced" when the head was last trained on class-balanced samples (a second
    /// stage such as cRT or LWS), which makes its logits assume a uniform prior; null for the usual
    /// instance-balanced sampling.</summary>
    public string? Sampler { get; init; }
    /// <summary>Per-class multipliers already folded into <c>head.weight</c> and <c>head.bias</c>, so the saved
    /// head's logits are z_c·s_c: IIF's weights, which its official evaluation multiplies the logits by. Null
    /// for an ordinary head. Every consumer of the file (evaluate, predict, export) applies them by construction.</summary>
    public double[]? LogitScale { get; init; }
    /// <summary>Where <see cref="LogitScale"/> came from, e.g. "iif smooth" or "iif raw, 2-norm".</summary>
    public string? LogitScaleMethod { get; init; }

    /// <summary>One sentence for reports on <see cref="LogitScale"/>; null without one.</summary>
    public string? DescribeLogitScale() => LogitScale is not { } s ? null :
        $"Logits multiplied class-wise by the {LogitScaleMethod ?? "stored"} weights " +
            $"[{string.Join(", ", s.Select(v => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)))}], " +
        "folded into the saved head (the official IIF evaluation multiplies the model output by them).";

    /// <summary>The method of a pretraining run's model (<c>livt pretrain --method</c>: "mae", "moco-v3", …); null
    /// for a classifier and for MGP files written before the method was recorded.</summary>
    public string? Pretraining { get; init; }

    /// <summary>A multi-expert classifier ("vit-experts"): its number of experts; 0 otherwise.</summary>
    public int Experts { get; init; }

    /// <summary>A multi-expert classifier: the blocks each expert owns; 0 otherwise.</summary>
    public int ExpertDepth { get; init; }

    /// <summary>A multi-expert classifier: τ of its backward expert (<c>--sade-tau</c>), which sets the prior
    /// its averaged logits assume; files that predate it read SADE's 2.</summary>
    public double ExpertTau { get; init; } = 2.0;

    /// <summary>For weights without Livt metadata: how the architecture and preprocessing were chosen
    /// (see <see cref="ForRawClassifier"/>), to show the user; null for a Livt file. Not saved.</summary>
    public string? Inferred { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The metadata map as written into the safetensors header.</summary>
    public Dictionary<string, string> ToSafeTensorsMetadata()
    {
        var m = new Dictionary<string, string>
        {
            ["format"] = "pt", // what the Python safetensors library expects for torch tensors
            ["livt.kind"] = Kind,
            ["livt.model"] = JsonSerializer.Serialize(Model, Model.GetType(), Json),
            ["livt.mean"] = JsonSerializer.Serialize(Mean),
            ["livt.std"] = JsonSerializer.Serialize(Std),
            ["livt.normalization"] = Normalization ?? "",
            ["livt.class_names"] = JsonSerializer.Serialize(ClassNames),
            ["livt.class_counts"] = JsonSerializer.Serialize(ClassCounts),
            ["livt.dataset"] = Dataset,
            ["livt.imbalance"] = Imbalance.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["livt.seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["livt.loss"] = Loss ?? "",
            ["livt.sampler"] = Sampler ?? "",
            ["livt.logit_scale"] = LogitScale is null ? "" : JsonSerializer.Serialize(LogitScale),
            ["livt.logit_scale_method"] = LogitScaleMethod ?? "",
        };
        if (Pretraining is not null) m["livt.pretraining"] = Pretraining;
        if (Experts > 0)
        {
            m["livt.experts"] = Experts.ToString(System.Globalization.CultureInfo.InvariantCulture);
            m["livt.expert_depth"] = ExpertDepth.ToString(System.Globalization.CultureInfo.InvariantCulture);
            m["livt.expert_tau"] = ExpertTau.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }
        return m;
    }

    /// <summary>
    /// Metadata for classifier weights that have none of Livt's (an official .pth, a converted
    /// safetensors): the architecture from the tensor shapes (<see cref="ClassifierShape"/>, or
    /// <see cref="ResNetShape"/> for a CNN's names), heads and
    /// normalisation from <paramref name="options"/> or their defaults. The training set is unknown:
    /// <see cref="Dataset"/> is empty, <see cref="ClassCounts"/> empty and the class names are the
    /// indices, until a dataset fills them in.
    /// </summary>
    /// <exception cref="LivtException">The weights are not a ViT classifier, or the given mean/std do
    /// not have one value per channel.</exception>
    public static ModelMetadata ForRawClassifier(IReadOnlyDictionary<string, TorchSharp.torch.Tensor> weights, RawCheckpointOptions? options, string source)
    {
        ArchitectureConfig config;
        string description;
        if (ResNetShape.Describes(weights)) (config, description) = ResNetShape.Infer(weights, source);
        else (config, description) = ClassifierShape.Infer(weights, options?.NumHeads, source);
        foreach (var (name, given) in new[] { ("--mean", options?.Mean), ("--std", options?.Std) })
            if (given is not null && given.Length != config.InChans)
                throw new LivtException($"{source}: {name} has {given.Length} values, the model takes {config.InChans} channel(s)");
        string? official = options?.Normalization?.Trim().ToLowerInvariant() ?? Data.Normalization.OfficialCheckpointDataset(config.NumClasses);
        var (mean, std) = Data.Normalization.OfficialFor(official ?? "imagenet", config.InChans);
        mean = options?.Mean ?? mean;
        std = options?.Std ?? std;
        bool custom = options?.Mean is not null || options?.Std is not null;
        string why = custom
            ? (options?.Mean is not null && options.Std is not null ? "as given" : $"as given, and {official ?? "imagenet"}'s for the one not given")
            : official is null ? "ImageNet's, as MAE and LiVT use for other datasets, unless --normalization or --mean/--std"
            : options?.Normalization is not null ? $"LiVT's {official} constants (util/datasets.py)"
            : $"LiVT's {official} constants (util/datasets.py), which its {config.NumClasses}-class checkpoints were trained and evaluated with, unless " +
                "--normalization or --mean/--std";
        string Values(float[] v) => string.Join(", ", v.Select(x => x.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)));
        return new ModelMetadata
        {
            Kind = config is ResNetConfig ? CifarResNet.FileKind : "vit", Model = config, Mean = mean, Std = std, Normalization = custom ? null : official,
            ClassNames = Enumerable.Range(0, config.NumClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            ClassCounts = [], Dataset = "",
            Inferred = $"{source} has no Livt metadata: {description}; inputs normalised with mean [{Values(mean)}], std [{Values(std)}] ({why})",
        };
    }

    /// <summary>Reads the metadata back; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="LivtException">A key is missing, a value unreadable, or the values contradict
    /// each other (a model configuration that cannot be built, class names that do not match the head).</exception>
    public static ModelMetadata FromSafeTensorsMetadata(IReadOnlyDictionary<string, string> m, string source)
    {
        string Get(string key) => m.TryGetValue(key, out var v)
            ? v
            : throw new LivtException($"{source}: no '{key}' in the metadata: not a model saved by Livt (a raw timm/MAE file can be loaded with --init)");
        T Parse<T>(string key, JsonSerializerOptions? options = null) where T : class =>
            JsonSerializer.Deserialize<T>(Get(key), options) ?? throw new JsonException($"'{key}' is null");
        int Int(string key) => m.TryGetValue(key, out var text) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 0;
        ModelMetadata meta;
        try
        {
            var kind = Get("livt.kind");
            meta = new ModelMetadata
            {
                Kind = kind,
                Model = kind == CifarResNet.FileKind ? Parse<ResNetConfig>("livt.model", Json) : Parse<VitConfig>("livt.model", Json),
                Mean = Parse<float[]>("livt.mean"),
                Std = Parse<float[]>("livt.std"),
                Normalization = m.TryGetValue("livt.normalization", out var norm) && norm.Length > 0 ? norm : null,
                ClassNames = Parse<string[]>("livt.class_names"),
                ClassCounts = Parse<long[]>("livt.class_counts"),
                Dataset = Get("livt.dataset"),
                Imbalance = m.TryGetValue("livt.imbalance", out var imb) ? double.Parse(imb, System.Globalization.CultureInfo.InvariantCulture) : 0,
                Seed = Int("livt.seed"),
                Loss = m.TryGetValue("livt.loss", out var loss) && loss.Length > 0 ? loss : null,
                Sampler = m.TryGetValue("livt.sampler", out var sampler) && sampler.Length > 0 ? sampler : null,
                LogitScale = m.TryGetValue("livt.logit_scale", out var scale) && scale.Length > 0 ? Parse<double[]>("livt.logit_scale") : null,
                LogitScaleMethod = m.TryGetValue("livt.logit_scale_method", out var how) && how.Length > 0 ? how : null,
                Pretraining = m.TryGetValue("livt.pretraining", out var pretraining) && pretraining.Length > 0 ? pretraining : null,
                Experts = Int("livt.experts"),
                ExpertDepth = Int("livt.expert_depth"),
                ExpertTau = m.TryGetValue("livt.expert_tau", out var tau) ? double.Parse(tau, System.Globalization.CultureInfo.InvariantCulture) : 2.0,
            };
            meta.Model.Validate();
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException or ArgumentException or NotSupportedException
                                       or InvalidOperationException)
        {
            throw new LivtException($"{source}: unreadable Livt metadata: {e.Message}");
        }
        string? problem = meta switch
        {
            { ClassNames.Length: var n } when n != meta.Model.NumClasses => $"{n} class names for a {meta.Model.NumClasses}-class head",
            { ClassCounts.Length: var n } when n != 0 && n != meta.Model.NumClasses => $"{n} class counts for a {meta.Model.NumClasses}-class head",
            { LogitScale.Length: var n } when n != meta.Model.NumClasses => $"{n} logit scales for a {meta.Model.NumClasses}-class head",
            _ when meta.ClassCounts.Any(c => c < 0) => "a negative class count",
            _ when meta.Mean.Length is 0 || meta.Mean.Length != meta.Std.Length || meta.Mean.Length > meta.Model.InChans =>
                $"mean and std of {meta.Mean.Length} and {meta.Std.Length} values for {meta.Model.InChans} channel(s)",
            _ when meta.Experts < 0 || meta.ExpertDepth < 0 => "a negative number of experts",
            _ => null,
        };
        if (problem is not null) throw new LivtException($"{source}: inconsistent Livt metadata: {problem}");
        return meta;
    }

    /// <summary>A lower bound on the number of weights the model this metadata describes has: what a
    /// file must hold at least before building the model is worth its memory.</summary>
    public double MinimumParameters()
    {
        if (Model is ResNetConfig cnn) return (double)cnn.NumClasses * cnn.FeatureDim;
        var c = (VitConfig)Model;
        double d = c.EmbedDim, hidden = Math.Floor(d * c.MlpRatio), tokens = Math.Pow((double)c.ImageSize / c.PatchSize, 2) + 1;
        double block = 4 * d * d + 2 * d * hidden;
        double blocks = c.Depth + Math.Max(Experts - 1, 0) * (double)ExpertDepth;
        return blocks * block + tokens * d + d * c.InChans * c.PatchSize * c.PatchSize + c.NumClasses * d;
    }
}

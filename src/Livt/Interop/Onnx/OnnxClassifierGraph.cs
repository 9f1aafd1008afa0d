using Livt.Models;
using Onnx;
using TorchSharp;
using static Livt.Interop.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Livt.Interop.Onnx;

/// <summary>
/// What every exported classifier graph shares, whatever its architecture: the checks of the export's
/// inputs, the image input and its normalisation with the stored mean/std, the model's weights as float
/// initializers under their checkpoint names, a linear layer (weight stored transposed, [in, out], name
/// suffix <c>.T</c>, so MatMul takes it as it is), the logits with an optional baked offset, softmax, and
/// the <see cref="ModelProto"/> with Livt's metadata.
/// </summary>
internal sealed class OnnxClassifierGraph
{
    /// <summary>The ONNX operator set the graphs use (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written (the one that goes with opset 17).</summary>
    public const long IrVersion = 8;

    // One protobuf message cannot exceed 2 GiB; weights past that would need ONNX's external data.
    private const long MaxWeightBytes = 2_000_000_000;

    private readonly Dictionary<string, Tensor> _weights;
    private readonly OnnxModelInfo _info;
    private readonly ArchitectureConfig _config;

    /// <summary>Starts the graph <paramref name="name"/> of <paramref name="model"/>: checks
    /// <paramref name="info"/> and <paramref name="logitOffset"/> against it, declares the input and
    /// normalises it (<see cref="Normalized"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="info"/> or the offset does not fit the model.</exception>
    /// <exception cref="LivtException">The weights are too large for one ONNX file.</exception>
    public OnnxClassifierGraph(string name, ClassifierModel model, OnnxModelInfo info, IReadOnlyList<double>? logitOffset)
    {
        _config = model.Architecture;
        _info = info;
        Check(info, _config, logitOffset);
        LogitOffset = logitOffset;
        _weights = new Dictionary<string, Tensor>(model.state_dict());
        long bytes = _weights.Values.Sum(t => t.numel() * 4);
        if (bytes > MaxWeightBytes)
            throw new LivtException($"the model's {bytes / (1 << 20)} MiB of weights exceed what one ONNX file holds (2 GiB)");
        G = new OnnxGraphBuilder(name);
        // Normalisation as Livt's Normalize transform computes it: (x − mean) · (1 / std) in float.
        G.Input(OnnxModelInfo.InputName, "batch", _config.InChans, _config.ImageSize, _config.ImageSize);
        long[] channelDims = [1, info.Mean.Length, 1, 1];
        var mean = G.Floats("normalize.mean", info.Mean, channelDims);
        var invStd = G.Floats("normalize.inv_std", info.Std.Select(s => 1f / s).ToArray(), channelDims);
        Normalized = G.Node("Mul", [G.Node("Sub", [OnnxModelInfo.InputName, mean]), invStd], "normalize");
    }

    /// <summary>The graph being built.</summary>
    public OnnxGraphBuilder G { get; }

    /// <summary>The normalised image [N, C, H, W].</summary>
    public string Normalized { get; }

    /// <summary>The per-class offset added to the logits, or null.</summary>
    public IReadOnlyList<double>? LogitOffset { get; }

    /// <summary>The checkpoint tensor <paramref name="name"/> as an initializer of the same name.</summary>
    public string Weight(string name) => G.Floats(name, Values(_weights[name]), _weights[name].shape);

    /// <summary>True when the model has a tensor <paramref name="name"/>.</summary>
    public bool Has(string name) => _weights.ContainsKey(name);

    /// <summary>The shape of the checkpoint tensor <paramref name="name"/>.</summary>
    public long[] Shape(string name) => _weights[name].shape;

    /// <summary>input · Wᵀ + b of the Linear <paramref name="module"/>.</summary>
    public string Linear(string input, string module, string? output = null)
    {
        var w = _weights[module + ".weight"];
        var wT = G.Floats(module + ".weight.T", Values(w.t()), w.shape[1], w.shape[0]);
        return G.Node("Add", [G.Node("MatMul", [input, wT]), Weight(module + ".bias")], output ?? module);
    }

    /// <summary>s·cos(input, w_c) + b_c of the cosine classifier <paramref name="module"/>: the input divided by
    /// max(‖input‖, 1e-12) as F.normalize, the rows s·w_c/max(‖w_c‖, 1e-12) precomputed.</summary>
    public string CosineLinear(string input, string module, double scale, string? output = null)
    {
        var norm = G.Node("ReduceL2", [input], $"{module}.feature_norm", Attr("axes", new long[] { -1 }), Attr("keepdims", 1L));
        var unit = G.Node("Div", [input, G.Node("Max", [norm, G.Floats($"{module}.eps", [1e-12f])])], $"{module}.unit_features");
        var w = _weights[module + ".weight"];
        using var s = scale.ToScalar();
        using var cosine = torch.nn.functional.normalize(w.detach().to(ScalarType.Float64), dim: 1).mul(s).t();
        var wT = G.Floats(module + ".weight.cosine.T", Values(cosine), w.shape[1], w.shape[0]);
        return G.Node("Add", [G.Node("MatMul", [unit, wT]), Weight(module + ".bias")], output ?? module);
    }

    /// <summary>Ends the graph: <paramref name="logits"/> (plus the baked offset) as the <c>logits</c> output,
    /// their softmax as <c>probabilities</c>; returns the model with Livt's metadata and
    /// <paramref name="docString"/>.</summary>
    public ModelProto Finish(string logits, string docString)
    {
        int classes = _config.NumClasses;
        if (LogitOffset is null) G.Node("Identity", [logits], OnnxModelInfo.LogitsName);
        else G.Node("Add", [logits, G.Floats("prior.offset", LogitOffset.Select(o => (float)o).ToArray(), LogitOffset.Count)], OnnxModelInfo.LogitsName);
        G.Node("Softmax", [OnnxModelInfo.LogitsName], OnnxModelInfo.ProbabilitiesName, Attr("axis", -1L));
        G.Output(OnnxModelInfo.LogitsName, "batch", classes);
        G.Output(OnnxModelInfo.ProbabilitiesName, "batch", classes);
        var onnx = new ModelProto
        {
            IrVersion = IrVersion, ProducerName = "livt", ProducerVersion = _info.LivtVersion,
            DocString = docString + $": image float [N, {_config.InChans}, {_config.ImageSize}, {_config.ImageSize}] in [0, 1] → logits and " +
                "probabilities [N, classes]",
            Graph = G.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in _info.ToMetadataProps())
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return onnx;
    }

    private static float[] Values(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();

    private static void Check(OnnxModelInfo info, ArchitectureConfig c, IReadOnlyList<double>? offset)
    {
        if (info.InChans != c.InChans || info.InputSize != c.ImageSize)
            throw new ArgumentException($"info says {info.InChans}×{info.InputSize}² inputs, the model takes {c.InChans}×{c.ImageSize}²");
        if (info.ClassNames.Length != c.NumClasses)
            throw new ArgumentException($"{info.ClassNames.Length} class names for a model of {c.NumClasses} classes");
        if (info.Mean.Length != info.Std.Length || (info.Mean.Length != 1 && info.Mean.Length != c.InChans))
            throw new ArgumentException($"normalisation needs 1 or {c.InChans} means and stds, got {info.Mean.Length} and {info.Std.Length}");
        if (info.Std.Any(s => !(s > 0))) throw new ArgumentException("normalisation stds must be positive");
        if (offset is not null && (offset.Count != c.NumClasses || offset.Any(o => !double.IsFinite(o))))
            throw new ArgumentException($"the logit offset needs {c.NumClasses} finite values, got {offset.Count}");
    }
}

using Livt.Models;
using Onnx;
using TorchSharp;
using static Livt.Interop.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Livt.Interop.Onnx;

/// <summary>
/// Writes a <see cref="VisionTransformer"/> as an ONNX graph (opset 17) from its weights and structure,
/// op for op as the model computes it: normalisation with the stored mean/std, patch-embedding Conv,
/// cls token and position embedding, the pre-norm blocks (both attention paths compute
/// softmax(q·scale·kᵀ)·v, so one graph serves both; exact erf GELU), global-average pooling + fc_norm or
/// norm + cls token, the head (linear, or the cosine classifier s·cos(x, w_c) + b_c of a
/// <see cref="VitConfig.CosineScale"/>), an optional baked logit offset, and softmax. A
/// <see cref="MultiExpertVisionTransformer"/> (SADE) becomes its shared blocks, then every expert's own
/// blocks, norm and head, and the mean of the experts' logits: the prediction its <c>forward</c> and
/// <c>livt evaluate</c> make. The batch dimension is symbolic. Weights are initializers named as in the checkpoint; Linear weights are stored transposed
/// ([in, out], name suffix <c>.T</c>) so MatMul takes them as they are.
/// </summary>
public static class VitOnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written (the one that goes with opset 17).</summary>
    public const long IrVersion = 8;

    // One protobuf message cannot exceed 2 GiB; weights past that would need ONNX's external data.
    private const long MaxWeightBytes = 2_000_000_000;

    /// <summary>Builds the ONNX model of <paramref name="model"/> (in any mode, on any device).</summary>
    /// <param name="model">The classifier: a <see cref="VisionTransformer"/> or a <see cref="MultiExpertVisionTransformer"/>.</param>
    /// <param name="info">Class names, input size and normalisation; written to <c>metadata_props</c>.</param>
    /// <param name="logitOffset">Per-class values added to the logits (a baked post-hoc prior
    /// adjustment, <see cref="Livt.Evaluation.LogitAdjustment.Offset"/>); null for raw logits.</param>
    /// <exception cref="ArgumentException"><paramref name="info"/> or the offset does not fit the model.</exception>
    /// <exception cref="LivtException">The weights are too large for one ONNX file.</exception>
    public static ModelProto Build(ClassifierModel model, OnnxModelInfo info, IReadOnlyList<double>? logitOffset = null)
    {
        var c = model.Config;
        // A single ViT is one "expert" that owns no blocks, named without prefix.
        var (shared, experts) = model switch
        {
            VisionTransformer => (c.Depth, new[] { "" }),
            MultiExpertVisionTransformer m => (c.Depth - m.ExpertDepth, Enumerable.Range(0, m.NumExperts).Select(e => $"experts.{e}.").ToArray()),
            _ => throw new ArgumentException($"cannot export a {model.GetType().Name}", nameof(model)),
        };
        Check(info, c, logitOffset);
        using var scope = torch.NewDisposeScope();
        var weights = model.state_dict();
        long bytes = weights.Values.Sum(t => t.numel() * 4);
        if (bytes > MaxWeightBytes)
            throw new LivtException($"the model's {bytes / (1 << 20)} MiB of weights exceed what one ONNX file holds (2 GiB)");

        var g = new OnnxGraphBuilder("livt_vit");
        float[] Values(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        string Weight(string name) => g.Floats(name, Values(weights[name]), weights[name].shape);
        string LinearT(string name)
        {
            var w = weights[name + ".weight"];
            return g.Floats(name + ".weight.T", Values(w.t()), w.shape[1], w.shape[0]);
        }
        string Linear(string input, string module, string? output = null) =>
            g.Node("Add", [g.Node("MatMul", [input, LinearT(module)]), Weight(module + ".bias")], output ?? module);
        string LayerNorm(string input, string module) =>
            g.Node("LayerNormalization", [input, Weight(module + ".weight"), Weight(module + ".bias")], module,
                Attr("axis", -1L), Attr("epsilon", (float)Block.NormEps));

        // Normalisation as Livt's Normalize transform computes it: (x − mean) · (1 / std) in float.
        int d = c.EmbedDim, heads = c.NumHeads;
        g.Input(OnnxModelInfo.InputName, "batch", c.InChans, c.ImageSize, c.ImageSize);
        long[] channelDims = [1, info.Mean.Length, 1, 1];
        var mean = g.Floats("normalize.mean", info.Mean, channelDims);
        var invStd = g.Floats("normalize.inv_std", info.Std.Select(s => 1f / s).ToArray(), channelDims);
        var x = g.Node("Mul", [g.Node("Sub", [OnnxModelInfo.InputName, mean]), invStd], "normalize");

        // patch_embed: Conv with kernel = stride = patch, then [N, D, g, g] → [N, L, D].
        x = g.Node("Conv", [x, Weight("patch_embed.proj.weight"), Weight("patch_embed.proj.bias")], "patch_embed.proj",
            Attr("kernel_shape", new long[] { c.PatchSize, c.PatchSize }), Attr("strides", new long[] { c.PatchSize, c.PatchSize }));
        x = g.Node("Reshape", [x, g.Int64s("patch_embed.flat_shape", [0, d, -1])]);
        x = g.Node("Transpose", [x], "patch_embed", Attr("perm", new long[] { 0, 2, 1 }));

        // cls token expanded to the batch, prepended, plus the position embedding.
        var batch = g.Node("Shape", [OnnxModelInfo.InputName], "batch_size", Attr("start", 0L), Attr("end", 1L));
        var clsShape = g.Node("Concat", [batch, g.Int64s("cls_token.tail_shape", [1, d])], "cls_token.shape", Attr("axis", 0L));
        var cls = g.Node("Expand", [Weight("cls_token"), clsShape], "cls_token.expanded");
        x = g.Node("Concat", [cls, x], "tokens", Attr("axis", 1L));
        x = g.Node("Add", [x, Weight("pos_embed")], "pos_embed.added");

        var qkvShape = g.Int64s("attn.qkv_shape", [0, 0, 3, heads, d / heads]);
        var outShape = g.Int64s("attn.out_shape", [0, 0, d]);
        var scale = g.Floats("attn.scale", [(float)(1.0 / Math.Sqrt(d / heads))]);
        var qkvIndex = Enumerable.Range(0, 3).Select(i => g.Int64s($"attn.index{i}", [i], scalar: true)).ToArray();
        var sqrt2 = g.Floats("gelu.sqrt2", [(float)Math.Sqrt(2)]);
        var one = g.Floats("gelu.one", [1f]);
        var half = g.Floats("gelu.half", [0.5f]);
        string TransformerBlock(string x, string p)
        {
            // attn: qkv → [N, L, 3, h, D/h] → [3, N, h, L, D/h], as timm's reshape + permute + unbind.
            var qkv = g.Node("Transpose", [g.Node("Reshape", [Linear(LayerNorm(x, $"{p}.norm1"), $"{p}.attn.qkv"), qkvShape])],
                attributes: Attr("perm", new long[] { 2, 0, 3, 1, 4 }));
            var (q, k, v) = (Gather(g, qkv, qkvIndex[0]), Gather(g, qkv, qkvIndex[1]), Gather(g, qkv, qkvIndex[2]));
            var kT = g.Node("Transpose", [k], attributes: Attr("perm", new long[] { 0, 1, 3, 2 }));
            var attn = g.Node("Softmax", [g.Node("MatMul", [g.Node("Mul", [q, scale]), kT])], $"{p}.attn.softmax", Attr("axis", -1L));
            var heads0 = g.Node("Transpose", [g.Node("MatMul", [attn, v])], attributes: Attr("perm", new long[] { 0, 2, 1, 3 }));
            var a = Linear(g.Node("Reshape", [heads0, outShape]), $"{p}.attn.proj");
            x = g.Node("Add", [x, a], $"{p}.residual1");

            // mlp: fc1 → exact GELU (h·0.5)·(1 + erf(h/√2)) → fc2, in the node order ONNX Runtime's
            // GeluFusion recognises, so it runs as one Gelu kernel.
            var h = Linear(LayerNorm(x, $"{p}.norm2"), $"{p}.mlp.fc1");
            var erf = g.Node("Erf", [g.Node("Div", [h, sqrt2])]);
            var gelu = g.Node("Mul", [g.Node("Mul", [h, half]), g.Node("Add", [erf, one])], $"{p}.mlp.act");
            return g.Node("Add", [x, Linear(gelu, $"{p}.mlp.fc2")], $"{p}.residual2");
        }
        for (int i = 0; i < shared; i++) x = TransformerBlock(x, $"blocks.{i}");

        var (poolStarts, poolEnds, poolAxes) = c.GlobalPool
            ? (g.Int64s("pool.starts", [1]), g.Int64s("pool.ends", [long.MaxValue]), g.Int64s("pool.axes", [1]))
            : ("", "", "");
        var clsIndex = c.GlobalPool ? "" : g.Int64s("pool.cls_index", [0], scalar: true);
        var expertLogits = experts.Select(e =>
        {
            var y = x;
            for (int j = 0; j < c.Depth - shared; j++) y = TransformerBlock(y, $"{e}blocks.{j}");
            string features = c.GlobalPool
                ? LayerNorm(g.Node("ReduceMean", [g.Node("Slice", [y, poolStarts, poolEnds, poolAxes], $"{e}pool.patches")], $"{e}pool.mean",
                    Attr("axes", new long[] { 1 }), Attr("keepdims", 0L)), $"{e}fc_norm")
                : g.Node("Gather", [LayerNorm(y, $"{e}norm"), clsIndex], $"{e}pool.cls", Attr("axis", 1L));
            string output = experts.Length == 1 && logitOffset is null ? OnnxModelInfo.LogitsName : $"{e}head";
            if (c.CosineScale is not { } s) return Linear(features, $"{e}head", output);
            // s·cos(x, w_c) + b_c: x / max(‖x‖, 1e-12) as F.normalize, the rows s·w_c/max(‖w_c‖, 1e-12) precomputed.
            var norm = g.Node("ReduceL2", [features], $"{e}head.feature_norm", Attr("axes", new long[] { -1 }), Attr("keepdims", 1L));
            var unit = g.Node("Div", [features, g.Node("Max", [norm, g.Floats($"{e}head.eps", [1e-12f])])], $"{e}head.unit_features");
            var w = weights[$"{e}head.weight"];
            using var scale = s.ToScalar();
            using var cosine = torch.nn.functional.normalize(w.detach().to(ScalarType.Float64), dim: 1).mul(scale).t();
            var wT = g.Floats($"{e}head.weight.cosine.T", Values(cosine), w.shape[1], w.shape[0]);
            return g.Node("Add", [g.Node("MatMul", [unit, wT]), Weight($"{e}head.bias")], output);
        }).ToArray();
        string raw = experts.Length == 1 ? expertLogits[0]
            : g.Node("Mul", [g.Node("Sum", expertLogits, "experts.sum"), g.Floats("experts.inv_count", [1f / experts.Length])],
                logitOffset is null ? OnnxModelInfo.LogitsName : "experts.mean");
        var logits = logitOffset is null
            ? raw
            : g.Node("Add", [raw, g.Floats("prior.offset", logitOffset.Select(o => (float)o).ToArray(), logitOffset.Count)], OnnxModelInfo.LogitsName);
        g.Node("Softmax", [logits], OnnxModelInfo.ProbabilitiesName, Attr("axis", -1L));
        g.Output(OnnxModelInfo.LogitsName, "batch", c.NumClasses);
        g.Output(OnnxModelInfo.ProbabilitiesName, "batch", c.NumClasses);

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "livt",
            ProducerVersion = info.LivtVersion,
            DocString = $"Livt Vision Transformer classifier ({d}d, depth {c.Depth}, {heads} heads, patch {c.PatchSize}, " +
                        (experts.Length > 1 ? $"{experts.Length} experts owning the last {c.Depth - shared} blocks each, averaged, " : "") +
                        $"{(c.GlobalPool ? "global average pooling" : "cls-token pooling")}): image float [N, {c.InChans}, {c.ImageSize}, {c.ImageSize}] " +
                        "in [0, 1] → logits and probabilities [N, classes]",
            Graph = g.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in info.ToMetadataProps())
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return onnx;
    }

    private static string Gather(OnnxGraphBuilder g, string data, string index) => g.Node("Gather", [data, index], attributes: Attr("axis", 0L));

    private static void Check(OnnxModelInfo info, VitConfig c, IReadOnlyList<double>? offset)
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

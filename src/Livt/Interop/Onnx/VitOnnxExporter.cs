using Livt.Models;
using Onnx;
using static Livt.Interop.Onnx.OnnxGraphBuilder;

namespace Livt.Interop.Onnx;

/// <summary>
/// Writes a <see cref="VisionTransformer"/>, a <see cref="DistilledVisionTransformer"/> or a
/// <see cref="MultiExpertVisionTransformer"/> (SADE) as an ONNX graph (opset 17) from its weights and
/// structure, op for op as the model computes it: normalisation with the stored mean/std, patch-embedding
/// Conv, the class token (and the distillation token) and position embedding, the pre-norm blocks (both
/// attention paths compute softmax(q·scale·kᵀ)·v, so one graph serves both; exact erf GELU), global-average
/// pooling + fc_norm or norm + class token, the head (linear, or the cosine classifier s·cos(x, w_c) + b_c
/// of a <see cref="VitConfig.CosineScale"/>) — for the distilled ViT the average of <c>head</c> on the
/// class token and <c>head_dist</c> on the distillation token; for SADE the shared blocks, then every
/// expert's own blocks, norm and head, and the mean of the experts' logits, the prediction its
/// <c>forward</c> and <c>livt evaluate</c> make — an optional baked logit offset, and softmax. The batch
/// dimension is symbolic. Weights are initializers named as in the checkpoint.
/// </summary>
public static class VitOnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (LayerNormalization needs 17).</summary>
    public const int Opset = OnnxClassifierGraph.Opset;

    /// <summary>The ONNX IR version written (the one that goes with opset 17).</summary>
    public const long IrVersion = OnnxClassifierGraph.IrVersion;

    /// <summary>Builds the ONNX model of <paramref name="model"/> (in any mode, on any device).</summary>
    /// <param name="model">The classifier: a <see cref="VisionTransformer"/>, a <see cref="DistilledVisionTransformer"/>
    /// or a <see cref="MultiExpertVisionTransformer"/>.</param>
    /// <param name="info">Class names, input size and normalisation; written to <c>metadata_props</c>.</param>
    /// <param name="logitOffset">Per-class values added to the logits (a baked post-hoc prior
    /// adjustment, <see cref="Livt.Evaluation.LogitAdjustment.Offset"/>); null for raw logits.</param>
    /// <exception cref="ArgumentException"><paramref name="info"/> or the offset does not fit the model, or
    /// the model is another kind of classifier.</exception>
    /// <exception cref="LivtException">The weights are too large for one ONNX file.</exception>
    public static ModelProto Build(ClassifierModel model, OnnxModelInfo info, IReadOnlyList<double>? logitOffset = null)
    {
        // A single ViT is one "expert" that owns no blocks, named without prefix.
        var (c, distilled, shared, experts) = model switch
        {
            VisionTransformer vit => (vit.Config, false, vit.Config.Depth, new[] { "" }),
            DistilledVisionTransformer deit => (deit.Config, true, deit.Config.Depth, new[] { "" }),
            MultiExpertVisionTransformer m => (m.Config, false, m.Config.Depth - m.ExpertDepth,
                Enumerable.Range(0, m.NumExperts).Select(e => $"experts.{e}.").ToArray()),
            _ => throw new ArgumentException($"a {model.GetType().Name} is not a ViT classifier this exporter writes", nameof(model)),
        };
        var graph = new OnnxClassifierGraph("livt_vit", model, info, logitOffset);
        int d = c.EmbedDim, heads = c.NumHeads;
        var x = Tokens(graph, c, distilled);
        var blocks = new BlockWriter(graph, d, heads);
        for (int i = 0; i < shared; i++) x = blocks.Block(x, $"blocks.{i}");
        string logits = distilled ? DistilledHeads(graph, blocks, x) : ExpertHeads(graph, blocks, x, c, shared, experts);
        return graph.Finish(logits, $"Livt Vision Transformer classifier ({d}d, depth {c.Depth}, {heads} heads, patch {c.PatchSize}, " +
                                    (experts.Length > 1 ? $"{experts.Length} experts owning the last {c.Depth - shared} blocks each, averaged, " : "") +
                                    (distilled
                                        ? "class and distillation heads averaged)"
                                        : $"{(c.GlobalPool ? "global average pooling" : "cls-token pooling")})"));
    }

    /// <summary>The token sequence the blocks read: patch embedding, the class token (and the distillation token)
    /// expanded to the batch and prepended, plus the position embedding.</summary>
    private static string Tokens(OnnxClassifierGraph graph, VitConfig c, bool distilled)
    {
        var g = graph.G;
        int d = c.EmbedDim;
        // patch_embed: Conv with kernel = stride = patch, then [N, D, g, g] → [N, L, D].
        var x = g.Node("Conv", [graph.Normalized, graph.Weight("patch_embed.proj.weight"), graph.Weight("patch_embed.proj.bias")], "patch_embed.proj",
            Attr("kernel_shape", new long[] { c.PatchSize, c.PatchSize }), Attr("strides", new long[] { c.PatchSize, c.PatchSize }));
        x = g.Node("Reshape", [x, g.Int64s("patch_embed.flat_shape", [0, d, -1])]);
        x = g.Node("Transpose", [x], "patch_embed", Attr("perm", new long[] { 0, 2, 1 }));

        var batch = g.Node("Shape", [OnnxModelInfo.InputName], "batch_size", Attr("start", 0L), Attr("end", 1L));
        var tokenShape = g.Node("Concat", [batch, g.Int64s("cls_token.tail_shape", [1, d])], "cls_token.shape", Attr("axis", 0L));
        var prefix = distilled ? new[] { "cls_token", "dist_token" } : new[] { "cls_token" };
        var tokens = prefix.Select(t => g.Node("Expand", [graph.Weight(t), tokenShape], $"{t}.expanded")).ToList();
        x = g.Node("Concat", [.. tokens, x], "tokens", Attr("axis", 1L));
        return g.Node("Add", [x, graph.Weight("pos_embed")], "pos_embed.added");
    }

    /// <summary>The distilled ViT's prediction: the mean of <c>head</c> on the class token and <c>head_dist</c> on
    /// the distillation token.</summary>
    private static string DistilledHeads(OnnxClassifierGraph graph, BlockWriter blocks, string x)
    {
        var g = graph.G;
        var normed = blocks.LayerNorm(x, "norm");
        var cls = g.Node("Gather", [normed, g.Int64s("pool.cls_index", [0], scalar: true)], "pool.cls", Attr("axis", 1L));
        var dist = g.Node("Gather", [normed, g.Int64s("pool.dist_index", [1], scalar: true)], "pool.dist", Attr("axis", 1L));
        var sum = g.Node("Add", [graph.Linear(cls, "head"), graph.Linear(dist, "head_dist")], "heads.sum");
        return g.Node("Mul", [sum, g.Floats("heads.half", [0.5f])], "heads.mean");
    }

    /// <summary>Each expert's own blocks, pooling, norm and head on the shared blocks' output, and the mean of
    /// their logits; a single ViT is one expert with no blocks of its own.</summary>
    private static string ExpertHeads(OnnxClassifierGraph graph, BlockWriter blocks, string x, VitConfig c, int shared, string[] experts)
    {
        var g = graph.G;
        var (poolStarts, poolEnds, poolAxes) = c.GlobalPool
            ? (g.Int64s("pool.starts", [1]), g.Int64s("pool.ends", [long.MaxValue]), g.Int64s("pool.axes", [1]))
            : ("", "", "");
        var clsIndex = c.GlobalPool ? "" : g.Int64s("pool.cls_index", [0], scalar: true);
        var expertLogits = experts.Select(e =>
        {
            var y = x;
            for (int j = 0; j < c.Depth - shared; j++) y = blocks.Block(y, $"{e}blocks.{j}");
            string features = c.GlobalPool
                ? blocks.LayerNorm(g.Node("ReduceMean", [g.Node("Slice", [y, poolStarts, poolEnds, poolAxes], $"{e}pool.patches")], $"{e}pool.mean",
                    Attr("axes", new long[] { 1 }), Attr("keepdims", 0L)), $"{e}fc_norm")
                : g.Node("Gather", [blocks.LayerNorm(y, $"{e}norm"), clsIndex], $"{e}pool.cls", Attr("axis", 1L));
            return c.CosineScale is { } s ? graph.CosineLinear(features, $"{e}head", s) : graph.Linear(features, $"{e}head");
        }).ToArray();
        return experts.Length == 1 ? expertLogits[0]
            : g.Node("Mul", [g.Node("Sum", expertLogits, "experts.sum"), g.Floats("experts.inv_count", [1f / experts.Length])], "experts.mean");
    }

    /// <summary>Writes pre-norm transformer blocks; the constants they share are written once, when it is made.</summary>
    private sealed class BlockWriter
    {
        private readonly OnnxClassifierGraph _graph;
        private readonly string _qkvShape, _outShape, _scale, _sqrt2, _one, _half;
        private readonly string[] _qkvIndex;

        public BlockWriter(OnnxClassifierGraph graph, int d, int heads)
        {
            _graph = graph;
            var g = graph.G;
            _qkvShape = g.Int64s("attn.qkv_shape", [0, 0, 3, heads, d / heads]);
            _outShape = g.Int64s("attn.out_shape", [0, 0, d]);
            _scale = g.Floats("attn.scale", [(float)(1.0 / Math.Sqrt(d / heads))]);
            _qkvIndex = Enumerable.Range(0, 3).Select(i => g.Int64s($"attn.index{i}", [i], scalar: true)).ToArray();
            _sqrt2 = g.Floats("gelu.sqrt2", [(float)Math.Sqrt(2)]);
            _one = g.Floats("gelu.one", [1f]);
            _half = g.Floats("gelu.half", [0.5f]);
        }

        public string LayerNorm(string input, string module) =>
            _graph.G.Node("LayerNormalization", [input, _graph.Weight(module + ".weight"), _graph.Weight(module + ".bias")], module,
                Attr("axis", -1L), Attr("epsilon", (float)Models.Block.NormEps));

        public string Block(string x, string p)
        {
            var (g, graph) = (_graph.G, _graph);
            // attn: qkv → [N, L, 3, h, D/h] → [3, N, h, L, D/h], as timm's reshape + permute + unbind.
            var qkv = g.Node("Transpose", [g.Node("Reshape", [graph.Linear(LayerNorm(x, $"{p}.norm1"), $"{p}.attn.qkv"), _qkvShape])],
                attributes: Attr("perm", new long[] { 2, 0, 3, 1, 4 }));
            var (q, k, v) = (Gather(g, qkv, _qkvIndex[0]), Gather(g, qkv, _qkvIndex[1]), Gather(g, qkv, _qkvIndex[2]));
            var kT = g.Node("Transpose", [k], attributes: Attr("perm", new long[] { 0, 1, 3, 2 }));
            var attn = g.Node("Softmax", [g.Node("MatMul", [g.Node("Mul", [q, _scale]), kT])], $"{p}.attn.softmax", Attr("axis", -1L));
            var heads0 = g.Node("Transpose", [g.Node("MatMul", [attn, v])], attributes: Attr("perm", new long[] { 0, 2, 1, 3 }));
            var a = graph.Linear(g.Node("Reshape", [heads0, _outShape]), $"{p}.attn.proj");
            x = g.Node("Add", [x, a], $"{p}.residual1");

            // mlp: fc1 → exact GELU (h·0.5)·(1 + erf(h/√2)) → fc2, in the node order ONNX Runtime's
            // GeluFusion recognises, so it runs as one Gelu kernel.
            var h = graph.Linear(LayerNorm(x, $"{p}.norm2"), $"{p}.mlp.fc1");
            var erf = g.Node("Erf", [g.Node("Div", [h, _sqrt2])]);
            var gelu = g.Node("Mul", [g.Node("Mul", [h, _half]), g.Node("Add", [erf, _one])], $"{p}.mlp.act");
            return g.Node("Add", [x, graph.Linear(gelu, $"{p}.mlp.fc2")], $"{p}.residual2");
        }
    }

    private static string Gather(OnnxGraphBuilder g, string data, string index) => g.Node("Gather", [data, index], attributes: Attr("axis", 0L));
}

using Livt.Models;
using Onnx;
using static Livt.Interop.Onnx.OnnxGraphBuilder;

namespace Livt.Interop.Onnx;

/// <summary>
/// Writes a CNN — LDAM-DRW's CIFAR ResNet-32 (<see cref="CifarResNet"/>) or torchvision's ResNet-50
/// (<see cref="ResNet"/>) — as an ONNX graph (opset 17) in eval mode, op for op as the model computes it:
/// normalisation, Conv and BatchNormalization with the running statistics, Relu, the residual Adds
/// (ResNet-32's parameter-free shortcut as a strided Slice and a channel Pad, ResNet-50's downsample
/// Conv + BatchNormalization), ResNet-50's MaxPool, global average pooling, the head, an optional baked
/// logit offset and softmax. Weights are initializers named as in the checkpoint.
/// </summary>
public static class ResNetOnnxExporter
{
    private const float BatchNormEps = 1e-5f; // torch's BatchNorm2d default, which both ResNets use

    /// <summary>Builds the ONNX model of <paramref name="model"/>, a <see cref="CifarResNet"/> or a <see cref="ResNet"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="info"/> or the offset does not fit the model, or it
    /// is not one of the two CNNs.</exception>
    public static ModelProto Build(LinearHeadClassifier model, OnnxModelInfo info, IReadOnlyList<double>? logitOffset = null)
    {
        var config = model switch
        {
            CifarResNet r32 => r32.Config,
            ResNet r50 => r50.Config,
            _ => throw new ArgumentException($"a {model.GetType().Name} is not a CNN this exporter writes", nameof(model)),
        };
        var graph = new OnnxClassifierGraph("livt_resnet", model, info, logitOffset);
        string x = config.Arch == ResNetConfig.ResNet32 ? CifarBody(graph) : BottleneckBody(graph);
        var pooled = graph.G.Node("ReduceMean", [x], "avgpool", Attr("axes", new long[] { 2, 3 }), Attr("keepdims", 0L));
        var logits = graph.Linear(pooled, model.HeadName);
        return graph.Finish(logits, $"Livt {config.Arch} classifier");
    }

    /// <summary>ResNet-32 (LDAM-DRW's): a 3×3 stem and three stages of basic blocks whose shortcut, where the
    /// shape changes, subsamples and zero-pads the channels.</summary>
    private static string CifarBody(OnnxClassifierGraph graph)
    {
        var g = graph.G;
        var x = Relu(graph, Bn(graph, Conv(graph, graph.Normalized, "conv1", 1, 1), "bn1"), "stem");
        var starts = g.Int64s("shortcut.starts", [0, 0]);
        var ends = g.Int64s("shortcut.ends", [long.MaxValue, long.MaxValue]);
        var axes = g.Int64s("shortcut.axes", [2, 3]);
        var steps = g.Int64s("shortcut.steps", [2, 2]);
        for (int stage = 1; stage <= 3; stage++)
            for (int b = 0; graph.Has($"layer{stage}.{b}.conv1.weight"); b++)
            {
                var p = $"layer{stage}.{b}";
                int stride = stage > 1 && b == 0 ? 2 : 1;
                long inPlanes = graph.Shape(p + ".conv1.weight")[1], planes = graph.Shape(p + ".conv1.weight")[0];
                var h = Relu(graph, Bn(graph, Conv(graph, x, p + ".conv1", stride, 1), p + ".bn1"), p + ".relu1");
                h = Bn(graph, Conv(graph, h, p + ".conv2", 1, 1), p + ".bn2");
                var shortcut = x;
                if (stride != 1 || inPlanes != planes)
                {
                    // F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)): pads as [begin per axis, end per axis].
                    var strided = g.Node("Slice", [x, starts, ends, axes, steps], p + ".shortcut.strided");
                    long pad = planes / 4;
                    shortcut = g.Node("Pad", [strided, g.Int64s(p + ".shortcut.pads", [0, pad, 0, 0, 0, pad, 0, 0])], p + ".shortcut");
                }
                x = Relu(graph, g.Node("Add", [h, shortcut], p + ".residual"), p);
            }
        return x;
    }

    /// <summary>ResNet-50 (torchvision's): a 7×7 stem with max pooling and four stages of bottleneck blocks.</summary>
    private static string BottleneckBody(OnnxClassifierGraph graph)
    {
        var g = graph.G;
        var x = Relu(graph, Bn(graph, Conv(graph, graph.Normalized, "conv1", 2, 3), "bn1"), "stem");
        x = g.Node("MaxPool", [x], "maxpool", Attr("kernel_shape", new long[] { 3, 3 }), Attr("strides", new long[] { 2, 2 }),
            Attr("pads", new long[] { 1, 1, 1, 1 }));
        for (int stage = 1; stage <= 4; stage++)
            for (int b = 0; graph.Has($"layer{stage}.{b}.conv1.weight"); b++)
            {
                var p = $"layer{stage}.{b}";
                int stride = stage > 1 && b == 0 ? 2 : 1;
                var h = Relu(graph, Bn(graph, Conv(graph, x, p + ".conv1", 1, 0), p + ".bn1"), p + ".relu1");
                h = Relu(graph, Bn(graph, Conv(graph, h, p + ".conv2", stride, 1), p + ".bn2"), p + ".relu2");
                h = Bn(graph, Conv(graph, h, p + ".conv3", 1, 0), p + ".bn3");
                var identity = graph.Has(p + ".downsample.0.weight")
                    ? Bn(graph, Conv(graph, x, p + ".downsample.0", stride, 0), p + ".downsample.1")
                    : x;
                x = Relu(graph, graph.G.Node("Add", [h, identity], p + ".residual"), p);
            }
        return x;
    }

    private static string Conv(OnnxClassifierGraph graph, string input, string conv, int stride, int padding)
    {
        long k = graph.Shape(conv + ".weight")[2];
        return graph.G.Node("Conv", [input, graph.Weight(conv + ".weight")], conv,
            Attr("kernel_shape", new long[] { k, k }), Attr("strides", new long[] { stride, stride }),
            Attr("pads", new long[] { padding, padding, padding, padding }));
    }

    private static string Bn(OnnxClassifierGraph graph, string input, string bn) =>
        graph.G.Node("BatchNormalization", [input, graph.Weight(bn + ".weight"), graph.Weight(bn + ".bias"),
            graph.Weight(bn + ".running_mean"), graph.Weight(bn + ".running_var")], bn, Attr("epsilon", BatchNormEps));

    private static string Relu(OnnxClassifierGraph graph, string input, string name) => graph.G.Node("Relu", [input], name);
}

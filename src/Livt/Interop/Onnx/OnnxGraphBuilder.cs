using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Livt.Interop.Onnx;

/// <summary>
/// Appends nodes, initializers, inputs and outputs to an ONNX <see cref="GraphProto"/> (OnnxSharp's
/// classes generated from ONNX's <c>onnx.proto</c>). Each node has one output, named by the caller
/// (timm's module names, so the graph reads like the model in a viewer) or numbered.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = [];
    private int _next;

    /// <summary>Starts an empty graph called <paramref name="name"/>.</summary>
    public OnnxGraphBuilder(string name) => Graph = new GraphProto { Name = name };

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph { get; }

    /// <summary>Adds a float32 initializer (little-endian raw data) and returns its name.</summary>
    public string Floats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length) throw new ArgumentException($"{name}: {values.Length} values for shape [{string.Join(", ", dims)}]");
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds an int64 initializer (a shape, axes or an index) and returns its name.
    /// <paramref name="scalar"/> gives it rank 0 (a single value).</summary>
    public string Int64s(string name, long[] values, bool scalar = false)
    {
        if (scalar && values.Length != 1) throw new ArgumentException($"{name}: a scalar has one value");
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar) tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node of <paramref name="op"/> (default domain) with one output, named
    /// <paramref name="output"/> or numbered, and returns the output's name.</summary>
    public string Node(string op, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        var name = Claim(output ?? $"{op}_{_next++}");
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return name;
    }

    /// <summary>Declares a float32 graph input; a string dimension is symbolic (any size).</summary>
    public void Input(string name, params object[] dims) => Graph.Input.Add(FloatValue(Claim(name), dims));

    /// <summary>Declares a float32 graph output (an existing value); a string dimension is symbolic.</summary>
    public void Output(string name, params object[] dims) => Graph.Output.Add(FloatValue(name, dims));

    /// <summary>An int attribute.</summary>
    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private string Claim(string name) =>
        _names.Add(name) ? name : throw new InvalidOperationException($"ONNX value name '{name}' used twice");

    private static ValueInfoProto FloatValue(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"{name}: dimension {d} is neither a size nor a symbol"),
            });
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}

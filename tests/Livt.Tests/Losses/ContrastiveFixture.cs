using System.Text.Json;
using Livt.Interop;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

/// <summary>The PyTorch reference values written by fixtures/make_contrastive_fixtures.py.</summary>
internal sealed class ContrastiveFixture : IDisposable
{
    public static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "contrastive", "contrastive.safetensors");

    private readonly SafeTensorsFile _file;
    private readonly JsonDocument _cases;
    private readonly ScalarType _dtype;
    private readonly Dictionary<string, Tensor> _cast = new();

    /// <param name="dtype">Floating-point inputs are handed out in this dtype (references stay float64).</param>
    public ContrastiveFixture(ScalarType dtype = ScalarType.Float64)
    {
        _file = SafeTensors.Read(Path);
        _cases = JsonDocument.Parse(_file.Metadata["cases"]);
        _dtype = dtype;
    }

    public IEnumerable<string> CaseNames => _cases.RootElement.EnumerateObject().Select(p => p.Name);
    public long[] Counts => this["counts"].data<long>().ToArray();
    public Tensor Labels => this["labels"];
    /// <summary>An input, in the fixture's dtype when floating point.</summary>
    public Tensor this[string name]
    {
        get
        {
            var t = _file.Tensors[name];
            if (!t.is_floating_point() || t.dtype == _dtype) return t;
            return _cast.TryGetValue(name, out var c) ? c : _cast[name] = t.to(_dtype);
        }
    }

    /// <summary>A reference value as written (float64).</summary>
    public Tensor Reference(string name) => _file.Tensors[name];
    public bool Has(string name) => _file.Tensors.ContainsKey(name);

    public string Loss(string name) => Case(name).GetProperty("loss").GetString()!;
    public double Number(string name, string key) => Case(name).GetProperty(key).GetDouble();
    public bool Flag(string name, string key) => Case(name).GetProperty(key).GetBoolean();
    public string Text(string name, string key) => Case(name).GetProperty(key).GetString()!;
    public double? OptionalNumber(string name, string key) =>
        Case(name).TryGetProperty(key, out var v) ? v.GetDouble() : null;

    private JsonElement Case(string name) => _cases.RootElement.GetProperty(name);

    public void Dispose()
    {
        foreach (var t in _cast.Values) t.Dispose();
        _cases.Dispose();
        _file.Dispose();
    }
}

using System.Text.Json;
using Livt.Interop;
using Livt.Losses;
using static TorchSharp.torch;

namespace Livt.Tests.Losses;

/// <summary>The PyTorch reference values written by fixtures/make_loss_fixtures.py.</summary>
internal sealed class LossFixture : IDisposable
{
    public static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "losses", "losses.safetensors");

    private readonly SafeTensorsFile _file;
    private readonly JsonDocument _cases;

    public LossFixture()
    {
        _file = SafeTensors.Read(Path);
        _cases = JsonDocument.Parse(_file.Metadata["cases"]);
    }

    public IEnumerable<string> CaseNames => _cases.RootElement.EnumerateObject().Select(p => p.Name);
    public Tensor Logits => _file.Tensors["logits"];
    public Tensor Hard => _file.Tensors["hard"];
    public Tensor Soft => _file.Tensors["soft"];
    public long[] Counts => _file.Tensors["counts"].data<long>().ToArray();
    public Tensor Loss(string name) => _file.Tensors[name + ".loss"];
    public Tensor Grad(string name) => _file.Tensors[name + ".grad"];
    public double[] IifWeights(string variant) => _file.Tensors["iif.weights." + variant].data<double>().ToArray();

    public string LossName(string name) => Case(name).GetProperty("loss").GetString()!;
    public bool IsSoft(string name) => Case(name).GetProperty("targets").GetString() == "soft";
    public int? Epoch(string name) => Case(name).TryGetProperty("epoch", out var e) ? e.GetInt32() : null;

    public LossOptions Options(string name)
    {
        var c = Case(name);
        double Get(string key, double fallback) => c.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;
        var d = new LossOptions();
        return new LossOptions
        {
            Tau = Get("tau", d.Tau),
            Smoothing = Get("smoothing", d.Smoothing),
            Beta = Get("beta", d.Beta),
            FocalGamma = Get("focal_gamma", d.FocalGamma),
            DrwEpoch = c.TryGetProperty("drw_epoch", out var drw) ? drw.GetInt32() : null,
            IifVariant = c.TryGetProperty("iif_variant", out var variant) ? variant.GetString()! : d.IifVariant,
            IifNorm = c.TryGetProperty("iif_norm", out var norm) ? norm.GetInt32() : d.IifNorm,
        };
    }

    private JsonElement Case(string name) => _cases.RootElement.GetProperty(name);

    public void Dispose()
    {
        _cases.Dispose();
        _file.Dispose();
    }
}

using Livt.Decoupling;
using Livt.Interop;
using Livt.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Decoupling;

/// <summary>τ-normalisation, LWS and MaxNorm against transcriptions of the official code
/// (fixtures/make_decoupling_fixtures.py, float64).</summary>
public sealed class DecouplingParityTests : IDisposable
{
    private readonly SafeTensorsFile _f = SafeTensors.Read(TensorAssert.Fixture("decoupling", "decoupling.safetensors"));

    private Tensor T(string name) => _f.Tensors[name];

    public void Dispose() => _f.Dispose();

    [Fact]
    public void TauNormalisationMatchesPnorm()
    {
        var cases = _f.Tensors.Keys.Where(k => k.StartsWith("tau_norm.", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, cases.Count);
        foreach (var name in cases)
        {
            double tau = double.Parse(name["tau_norm.".Length..], System.Globalization.CultureInfo.InvariantCulture);
            using var actual = TauNormalization.Apply(T("weight"), tau);
            TensorAssert.Close(T(name), actual, 1e-12, name);
        }
    }

    [Fact]
    public void TauZeroIsTheIdentity()
    {
        using var w = torch.randn(7, 5);
        using var same = TauNormalization.Apply(w, 0);
        Assert.True(TensorAssert.BitEqual(same, w));
    }

    [Fact]
    public void LwsForwardAndScaleGradientMatchTheOfficialClassifier()
    {
        using var lws = new LearnableWeightScaling(T("weight"), T("bias"));
        using (torch.no_grad()) lws.Scales.copy_(T("scales"));
        using var logits = lws.call(T("features"));
        TensorAssert.Close(T("lws.logits"), logits, 1e-12, "logits");
        using var loss = nn.functional.cross_entropy(logits, T("labels"));
        loss.backward();
        TensorAssert.Close(T("lws.scales_grad"), lws.Scales.grad!, 1e-12, "d loss / d scales");

        // The folded head gives the same logits as the scaled one.
        var (w, b) = lws.Fold();
        using (w)
        using (b)
        using (var folded = nn.functional.linear(T("features"), w, b))
            TensorAssert.Close(T("lws.logits"), folded, 1e-12, "folded head");
    }

    [Fact]
    public void MaxNormMatchesTheOfficialProjection()
    {
        foreach (var t in new[] { 0.0, 0.1, 0.5 })
        {
            string key = $"max_norm.{t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}";
            double radius = MaxNormProjection.Radius(T("weight"), t);
            Assert.Equal(T($"{key}.radius").item<double>(), radius, 12);
            using var w = T("grown").clone();
            MaxNormProjection.Project(w, radius);
            TensorAssert.Close(T($"{key}.weight"), w, 1e-12, key);
            Assert.True(TensorAssert.BitEqual(T($"{key}.bias"), T("bias")), "the bias is never projected");
        }
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

internal static class TensorAssert
{
    /// <summary>Every element within <paramref name="rtol"/> of the expected value, relative to the larger
    /// of that value and the tensor's largest magnitude times 1e-2 (so values near zero are judged on the
    /// tensor's scale rather than their own).</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, string? what = null)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = torch.NewDisposeScope();
        var e = expected.detach().cpu().to(ScalarType.Float64);
        var a = actual.detach().cpu().to(ScalarType.Float64);
        double floor = e.abs().max().item<double>() * 1e-2;
        var bound = e.abs().clamp_min(floor) * rtol;
        var excess = ((a - e).abs() - bound).max().item<double>();
        double worst = ((a - e).abs() / e.abs().clamp_min(floor)).max().item<double>();
        Assert.True(excess <= 0, $"{what ?? "tensor"}: worst relative error {worst:E2} exceeds {rtol:E0}");
    }

    /// <summary>Every element within <paramref name="atol"/> of the expected value.</summary>
    public static void Within(Tensor expected, Tensor actual, double atol, string? what = null)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = torch.NewDisposeScope();
        double worst = (actual.detach().cpu().to(ScalarType.Float64) - expected.detach().cpu().to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(worst <= atol, $"{what ?? "tensor"}: largest difference {worst:E2} exceeds {atol:E0}");
    }

    /// <summary>Same dtype, shape and bytes: equal to the last bit (unlike <c>eq</c>, which calls 0 and −0 equal).</summary>
    public static bool BitEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.contiguous().bytes.SequenceEqual(b.contiguous().bytes);

    /// <summary>Each fixture tensor named <c>grad.NAME</c> close to the gradient of <paramref name="model"/>'s
    /// parameter NAME after a backward; returns how many there were.</summary>
    public static int GradientsClose(nn.Module model, IReadOnlyDictionary<string, Tensor> fixture)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var keys = fixture.Keys.Where(k => k.StartsWith("grad.", StringComparison.Ordinal)).ToList();
        foreach (var key in keys)
            Close(fixture[key], parameters[key["grad.".Length..]].grad!, what: key);
        return keys.Count;
    }

    public static string Fixture(params string[] parts) =>
        Path.Combine(new[] { AppContext.BaseDirectory, "fixtures" }.Concat(parts).ToArray());
}

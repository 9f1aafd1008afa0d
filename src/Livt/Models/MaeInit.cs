using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>MAE's <c>initialize_weights</c>: Linear xavier-uniform with zero bias, LayerNorm 1/0, the
/// patch projection xavier-uniform on its [D, C·p·p] view (like a Linear), tokens normal(std 0.02).</summary>
internal static class MaeInit
{
    internal const double TokenStd = 0.02;

    internal static void Apply(nn.Module root, PatchEmbed patchEmbed, Generator? generator, params Tensor[] tokens)
    {
        using var _ = torch.no_grad();
        var w = patchEmbed.Proj.weight!;
        using (var flat = w.view(w.shape[0], -1)) XavierUniform(flat, generator);
        // MAE leaves the projection's bias at PyTorch's default, U(±1/√fan_in); drawn here so that it
        // too comes from the model's generator rather than libtorch's global one.
        double bound = 1 / Math.Sqrt(w.shape[1] * w.shape[2] * w.shape[3]);
        CpuRandom.Uniform_(patchEmbed.Proj.bias!, -bound, bound, generator);
        // Tensor.normal_, not nn.init.normal_: TorchSharp 0.107's init.normal_ ignores the generator it is given.
        foreach (var t in tokens) CpuRandom.Normal_(t, 0, TokenStd, generator);
        foreach (var m in root.modules())
        {
            switch (m)
            {
                case Linear linear:
                    XavierUniform(linear.weight!, generator);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case LayerNorm norm:
                    nn.init.ones_(norm.weight!);
                    nn.init.zeros_(norm.bias!);
                    break;
            }
        }
    }

    /// <summary>torch's <c>xavier_uniform_</c> (gain 1) drawing from <paramref name="generator"/>, which
    /// TorchSharp's version does not take: U(−a, a) with a = √(6 / (fan_in + fan_out)).</summary>
    private static void XavierUniform(Tensor weight, Generator? generator)
    {
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        double a = Math.Sqrt(6.0 / (fanIn + fanOut));
        CpuRandom.Uniform_(weight, -a, a, generator);
    }

    /// <summary>Fills a parameter with the sin-cos table of its width and grid.</summary>
    internal static void FillSinCos(Tensor posEmbed, int gridSize)
    {
        using var _ = torch.no_grad();
        using var table = SinCosPosEmbed.Create((int)posEmbed.shape[2], gridSize);
        posEmbed.copy_(table);
    }
}

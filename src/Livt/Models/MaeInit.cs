using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>MAE's <c>initialize_weights</c>: Linear xavier-uniform with zero bias, LayerNorm 1/0, the
/// patch projection xavier-uniform on its [D, C·p·p] view (like a Linear), tokens normal(std 0.02).</summary>
internal static class MaeInit
{
    internal const double TokenStd = 0.02;

    internal static void Apply(nn.Module root, PatchEmbed patchEmbed, params Tensor[] tokens)
    {
        using var _ = torch.no_grad();
        var w = patchEmbed.Proj.weight!;
        using (var flat = w.view(w.shape[0], -1)) nn.init.xavier_uniform_(flat);
        foreach (var t in tokens) nn.init.normal_(t, std: TokenStd);
        foreach (var m in root.modules())
        {
            switch (m)
            {
                case Linear linear:
                    nn.init.xavier_uniform_(linear.weight!);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case LayerNorm norm:
                    nn.init.ones_(norm.weight!);
                    nn.init.zeros_(norm.bias!);
                    break;
            }
        }
    }

    /// <summary>Fills a parameter with the sin-cos table of its width and grid.</summary>
    internal static void FillSinCos(Tensor posEmbed, int gridSize)
    {
        using var _ = torch.no_grad();
        using var table = SinCosPosEmbed.Create((int)posEmbed.shape[2], gridSize);
        posEmbed.copy_(table);
    }
}

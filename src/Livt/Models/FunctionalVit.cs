using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Livt.Models;

/// <summary>
/// <see cref="VisionTransformer"/>'s forward pass with its parameters given by name (timm's, as
/// <c>named_parameters</c> gives them), so a loss can be differentiated with respect to substituted values:
/// what PyTorch's <c>torch.func.functional_call</c> (or Meta-Weight-Net's <c>MetaModule</c>) does, which
/// TorchSharp lacks. Difficulty-Net's whole-model meta step runs the model at θ' = θ − α∇θ this way. It is
/// the deterministic forward (no drop path) with the manual attention, softmax(q·scale·kᵀ)·v, which the fused
/// kernel computes too; it runs in the parameters' dtype.
/// </summary>
public static class FunctionalVit
{
    /// <summary>Logits [N, NumClasses] of <paramref name="images"/> [N, C, H, W].</summary>
    /// <param name="config">The model's configuration.</param>
    /// <param name="parameters">Every parameter of the model by name.</param>
    /// <param name="images">The input batch (converted to the parameters' dtype).</param>
    /// <exception cref="ArgumentException">A parameter is missing.</exception>
    public static Tensor Forward(VitConfig config, IReadOnlyDictionary<string, Tensor> parameters, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(parameters);
        using var scope = torch.NewDisposeScope();
        int d = config.EmbedDim, heads = config.NumHeads;
        Tensor P(string name) => parameters.TryGetValue(name, out var t) ? t : throw new ArgumentException($"no parameter '{name}'", nameof(parameters));
        Tensor Linear(Tensor x, string module) => F.linear(x, P(module + ".weight"), P(module + ".bias"));
        Tensor LayerNorm(Tensor x, string module) => F.layer_norm(x, [d], P(module + ".weight"), P(module + ".bias"), Block.NormEps);
        // Scalars held to the end: a temporary one can be finalized while libtorch reads it.
        using var one = 1.0.ToScalar();
        using var scale = (1.0 / Math.Sqrt(d / heads)).ToScalar();

        var patchWeight = P("patch_embed.proj.weight");
        var x = F.conv2d(images.to(patchWeight.dtype), patchWeight, P("patch_embed.proj.bias"), strides: [config.PatchSize, config.PatchSize])
            .flatten(2).transpose(1, 2);
        x = torch.cat([P("cls_token").expand(x.shape[0], -1, -1), x], 1).add(P("pos_embed"), one);
        for (int i = 0; i < config.Depth; i++)
        {
            string b = $"blocks.{i}";
            long n = x.shape[0], l = x.shape[1];
            var qkv = Linear(LayerNorm(x, $"{b}.norm1"), $"{b}.attn.qkv").reshape(n, l, 3, heads, d / heads).permute(2, 0, 3, 1, 4).unbind(0);
            var attended = qkv[0].mul(scale).matmul(qkv[1].transpose(-2, -1)).softmax(-1).matmul(qkv[2]);
            x = x.add(Linear(attended.transpose(1, 2).reshape(n, l, d), $"{b}.attn.proj"), one);
            x = x.add(Linear(F.gelu(Linear(LayerNorm(x, $"{b}.norm2"), $"{b}.mlp.fc1")), $"{b}.mlp.fc2"), one);
        }
        var pooled = config.GlobalPool ? LayerNorm(x[.., 1..].mean([1]), "fc_norm") : LayerNorm(x, "norm")[.., 0];
        return (config.CosineScale is { } s ? CosineClassifier.Logits(pooled, P("head.weight"), P("head.bias"), s) : Linear(pooled, "head"))
            .MoveToOuterDisposeScope();
    }
}

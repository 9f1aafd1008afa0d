using TorchSharp.Modules;

namespace Livt.Optimization;

/// <summary>Splits a ViT's named parameters into optimizer groups, as the official recipes do.</summary>
public static class ParamGroups
{
    // timm's VisionTransformer.no_weight_decay(): tokens and the position embedding are not decayed.
    private static readonly HashSet<string> NoDecayNames = new(StringComparer.Ordinal)
        { "cls_token", "pos_embed", "dist_token", "reg_token" };

    /// <summary>
    /// Layer-wise lr decay groups for fine-tuning (BFT), as MAE/LiVT's <c>param_groups_lrd</c>: layer id 0
    /// for <c>cls_token</c>, <c>pos_embed</c> and <c>patch_embed.*</c>, i + 1 for <c>blocks.i.*</c>, depth + 1
    /// for everything else; lr scale = layerDecay^(depth + 1 − id). 1-D parameters and the token /
    /// pos-embed parameters get weight decay 0. Parameters that do not require gradients are skipped.
    /// Groups come in order of first appearance, one per (layer, decay) pair. <paramref name="vitName"/> maps a
    /// model's own parameter name to the single-head ViT name these rules read (a multi-expert or contrastive
    /// model's <c>EncoderName</c>); the groups keep the model's own names.
    /// </summary>
    /// <exception cref="ArgumentException">A <c>blocks.i</c> parameter with i ≥ depth or no integer index.</exception>
    public static IReadOnlyList<ParamGroupSpec> LayerDecay(IEnumerable<(string Name, Parameter Param)> named, int depth, double weightDecay, double layerDecay,
        Func<string, string>? vitName = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        int top = depth + 1;
        return Group(named, (name, p) =>
        {
            var vit = vitName?.Invoke(name) ?? name;
            int id = LayerId(vit, depth);
            return (id, Math.Pow(layerDecay, top - id), IsNoDecay(vit, p) ? 0.0 : weightDecay);
        });
    }

    /// <summary>
    /// Weight-decay groups for pretraining (MGP), as timm's <c>param_groups_weight_decay</c> with the ViT's
    /// no-weight-decay list: a no-decay group (≤ 1-D parameters, <c>*.bias</c>, tokens and pos-embed) then
    /// a decay group, lr scale 1; an empty group is left out. Parameters that do not require gradients
    /// (MAE's fixed sin-cos pos-embeds) are skipped.
    /// </summary>
    public static IReadOnlyList<ParamGroupSpec> WeightDecay(IEnumerable<(string Name, Parameter Param)> named, double weightDecay)
    {
        var groups = Group(named, (name, p) =>
            (0, 1.0, IsNoDecay(name, p) || name.EndsWith(".bias", StringComparison.Ordinal) ? 0.0 : weightDecay));
        // timm lists the no-decay group first whatever the parameter order.
        return groups.OrderBy(g => g.WeightDecay == 0 ? 0 : 1).ToList();
    }

    /// <summary>One group of <paramref name="parameters"/> (named by position) with lr scale 1 and
    /// <paramref name="weightDecay"/>: a plain optimizer over a few tensors.</summary>
    public static IReadOnlyList<ParamGroupSpec> Single(IReadOnlyList<Parameter> parameters, double weightDecay = 0) =>
    [
        new ParamGroupSpec
        {
            LayerId = 0, LrScale = 1, WeightDecay = weightDecay,
            Names = parameters.Select((_, i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), Parameters = parameters,
        },
    ];

    /// <summary>The official <c>get_layer_id_for_vit</c>.</summary>
    public static int LayerId(string name, int depth)
    {
        if (name is "cls_token" or "pos_embed" || name.StartsWith("patch_embed", StringComparison.Ordinal)) return 0;
        if (name.StartsWith("blocks", StringComparison.Ordinal))
        {
            var parts = name.Split('.');
            if (parts.Length < 2 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                out int block))
                throw new ArgumentException($"parameter '{name}': expected 'blocks.<index>.…'", nameof(name));
            if (block >= depth)
                throw new ArgumentException($"parameter '{name}' belongs to block {block}, but the model depth is {depth}", nameof(name));
            return block + 1;
        }
        return depth + 1;
    }

    private static bool IsNoDecay(string name, Parameter p) => p.dim() <= 1 || NoDecayNames.Contains(name);

    private static List<ParamGroupSpec> Group(IEnumerable<(string Name, Parameter Param)> named,
        Func<string, Parameter, (int LayerId, double LrScale, double WeightDecay)> classify)
    {
        var order = new List<(int, double, double)>();
        var members = new Dictionary<(int, double, double), (List<string> Names, List<Parameter> Params)>();
        foreach (var (name, p) in named)
        {
            if (!p.requires_grad) continue;
            var key = classify(name, p);
            if (!members.TryGetValue(key, out var m))
            {
                m = (new List<string>(), new List<Parameter>());
                members[key] = m;
                order.Add(key);
            }
            m.Names.Add(name);
            m.Params.Add(p);
        }
        return order.Select(k => new ParamGroupSpec
        {
            LayerId = k.Item1, LrScale = k.Item2, WeightDecay = k.Item3,
            Names = members[k].Names, Parameters = members[k].Params,
        }).ToList();
    }
}

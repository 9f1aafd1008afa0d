using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;

namespace Livt.Tests.Optimization;

public class ParamGroupsTests
{
    public ParamGroupsTests() => LivtRuntime.Initialize();

    private static readonly string[] BlockParams =
    {
        "norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
        "norm2.weight", "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
    };

    /// <summary>timm/MAE ViT parameter names with tiny tensors of the real ranks (only the rank matters).</summary>
    private static List<(string Name, Parameter Param)> VitNames(int depth, bool mae = false)
    {
        var list = new List<(string, long[])>
        {
            ("cls_token", new long[] { 1, 1, 2 }), ("pos_embed", new long[] { 1, 5, 2 }),
            ("patch_embed.proj.weight", new long[] { 2, 3, 2, 2 }), ("patch_embed.proj.bias", new long[] { 2 }),
        };
        for (int i = 0; i < depth; i++)
            list.AddRange(BlockParams.Select(p => ($"blocks.{i}.{p}", p.EndsWith("weight") && !p.StartsWith("norm") ? new long[] { 2, 2 } : new long[] { 2 })));
        if (mae) list.AddRange(new (string, long[])[] { ("norm.weight", new long[] { 2 }), ("mask_token", new long[] { 1, 1, 2 }), ("decoder_pos_embed", new long[] { 1, 5, 2 }) });
        else list.AddRange(new (string, long[])[] { ("fc_norm.weight", new long[] { 2 }), ("fc_norm.bias", new long[] { 2 }), ("head.weight", new long[] { 3, 2 }), ("head.bias", new long[] { 3 }) });
        // MAE's sin-cos pos-embeds are fixed: requires_grad false.
        return list.Select(e => (e.Item1, new Parameter(torch.zeros(e.Item2), requires_grad: e.Item1 != "decoder_pos_embed"))).ToList();
    }

    [Fact]
    public void LayerDecayIdsScalesAndDecayFollowTheOfficialFormula()
    {
        const int depth = 12;
        const double decay = 0.75, wd = 0.05;
        var named = VitNames(depth);
        var groups = ParamGroups.LayerDecay(named, depth, wd, decay);

        var seen = groups.SelectMany(g => g.Names.Select(n => (n, g))).ToDictionary(x => x.n, x => x.g);
        Assert.Equal(named.Count, seen.Count);
        foreach (var g in groups) Assert.Equal(g.Names.Count, g.Parameters.Count);

        foreach (var (name, p) in named)
        {
            var g = seen[name];
            int expectedId = name is "cls_token" or "pos_embed" || name.StartsWith("patch_embed") ? 0
                : name.StartsWith("blocks.") ? int.Parse(name.Split('.')[1]) + 1 : depth + 1;
            Assert.Equal(expectedId, g.LayerId);
            Assert.Equal(Math.Pow(decay, depth + 1 - expectedId), g.LrScale, 15);
            bool noDecay = p.dim() == 1 || name is "cls_token" or "pos_embed";
            Assert.Equal(noDecay ? 0.0 : wd, g.WeightDecay);
            Assert.Same(p, g.Parameters[g.Names.ToList().IndexOf(name)]);
        }

        // Spot values: the embeddings get 0.75^13, the head 1, block 11 0.75^1.
        Assert.Equal(Math.Pow(0.75, 13), seen["pos_embed"].LrScale, 15);
        Assert.Equal(1.0, seen["head.weight"].LrScale);
        Assert.Equal(0.75, seen["blocks.11.mlp.fc2.weight"].LrScale, 15);
        Assert.Equal(wd, seen["blocks.3.attn.qkv.weight"].WeightDecay);
        Assert.Equal(0.0, seen["blocks.3.attn.qkv.bias"].WeightDecay);
        // One group per (layer, decay) pair: 14 layers x 2.
        Assert.Equal(28, groups.Count);
    }

    [Fact]
    public void LayerDecaySkipsFrozenParametersAndRejectsBlocksBeyondDepth()
    {
        var named = VitNames(2);
        named[0].Param.requires_grad = false;   // cls_token frozen
        var groups = ParamGroups.LayerDecay(named, 2, 0.05, 0.75);
        Assert.DoesNotContain(groups, g => g.Names.Contains("cls_token"));
        Assert.Equal(named.Count - 1, groups.Sum(g => g.Names.Count));

        var e = Assert.Throws<ArgumentException>(() => ParamGroups.LayerDecay(VitNames(3), 2, 0.05, 0.75));
        Assert.Contains("blocks.2.", e.Message);
    }

    [Fact]
    public void WeightDecayGroupsAsTimm()
    {
        var named = VitNames(2, mae: true);
        var groups = ParamGroups.WeightDecay(named, 0.05);
        Assert.Equal(2, groups.Count);
        var (noDecay, decay) = (groups[0], groups[1]);
        Assert.Equal(0.0, noDecay.WeightDecay);
        Assert.Equal(0.05, decay.WeightDecay);
        Assert.All(groups, g => Assert.Equal(1.0, g.LrScale));

        Assert.Contains("cls_token", noDecay.Names);
        Assert.Contains("pos_embed", noDecay.Names);
        Assert.Contains("patch_embed.proj.bias", noDecay.Names);
        Assert.Contains("blocks.1.norm2.weight", noDecay.Names);
        Assert.Contains("mask_token", decay.Names);           // not in timm's no-weight-decay list
        Assert.Contains("patch_embed.proj.weight", decay.Names);
        Assert.All(decay.Parameters, p => Assert.True(p.dim() > 1));
        Assert.DoesNotContain(groups, g => g.Names.Contains("decoder_pos_embed"));
        Assert.Equal(named.Count - 1, groups.Sum(g => g.Names.Count));
    }
}

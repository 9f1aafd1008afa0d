using Livt.Interop;
using Livt.Losses;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

public class MultiExpertVisionTransformerTests
{
    public MultiExpertVisionTransformerTests() => LivtRuntime.Initialize();

    // 8-px grey images, 4-px patches, 3 blocks of which each expert owns the last 2.
    private static VitConfig Small() => new()
    {
        ImageSize = 8, PatchSize = 4, InChans = 1, EmbedDim = 16, Depth = 3, NumHeads = 2, NumClasses = 3,
        DecoderEmbedDim = 16, DecoderDepth = 1, DecoderNumHeads = 2,
    };

    [Fact]
    public void NamesAreTimmsWithExpertsOwningTheLastBlocks()
    {
        using var model = new MultiExpertVisionTransformer(Small(), numExperts: 3, expertDepth: 2);
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("blocks.0.attn.qkv.weight", keys);
        Assert.DoesNotContain("blocks.1.attn.qkv.weight", keys);
        Assert.Contains("experts.2.blocks.1.mlp.fc2.bias", keys);
        Assert.Contains("experts.0.fc_norm.weight", keys);
        Assert.Contains("experts.1.head.weight", keys);
        Assert.Equal("blocks.2.mlp.fc2.bias", model.EncoderName("experts.2.blocks.1.mlp.fc2.bias"));
        Assert.Equal("head.weight", model.EncoderName("experts.1.head.weight"));
        Assert.Equal("pos_embed", model.EncoderName("pos_embed"));
        // Layer-wise lr decay sees an expert block at its depth.
        Assert.Equal(3, ParamGroups.LayerId(model.EncoderName("experts.0.blocks.1.norm1.weight"), 3));
        Assert.InRange(model.state_dict()["experts.1.head.weight"].std().item<float>(), 1e-5, 4e-5);
    }

    [Fact]
    public void LoadedFromAVitEveryExpertIsThatVit()
    {
        using var scope = torch.NewDisposeScope();
        var vit = new VisionTransformer(Small());
        using (torch.no_grad()) vit.state_dict()["head.weight"].normal_(0, 0.5); // a head worth comparing
        var model = new MultiExpertVisionTransformer(Small(), numExperts: 3, expertDepth: 2);
        var report = StateDictLoader.LoadEncoder(model, vit.state_dict());
        Assert.True(report.IsExact, string.Join("; ", report.Missing.Concat(report.Unexpected)));
        vit.eval();
        model.eval();
        var images = torch.randn(5, 1, 8, 8, generator: new Generator(1));
        var single = vit.forward(images);
        var experts = model.ForwardExperts(images);
        Assert.Equal(new long[] { 5, 3, 3 }, experts.shape);
        for (int e = 0; e < 3; e++) TensorAssert.Close(single, experts.select(1, e), 1e-5, $"expert {e}");
        TensorAssert.Close(experts.mean(new long[] { 1 }), model.forward(images), 1e-6, "forward = mean of experts");

        // An MGP encoder has no head: the experts get the blocks, their heads stay as initialised.
        var encoderOnly = vit.state_dict().Where(kv => !kv.Key.StartsWith("head", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var fresh = new MultiExpertVisionTransformer(Small());
        var partial = StateDictLoader.LoadEncoder(fresh, encoderOnly);
        Assert.Equal(6, partial.Missing.Count); // experts.{0,1,2}.head.{weight,bias}
        Assert.Empty(partial.Unexpected);
    }

    [Fact]
    public void ExpertsTrainedWithTheDiverseLossPullApartTowardsTheirDistributions()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var config = Small() with { Depth = 2 };
        var vit = new VisionTransformer(config);
        var model = new MultiExpertVisionTransformer(config, expertDepth: 1);
        StateDictLoader.LoadEncoder(model, vit.state_dict()); // identical experts: only the objectives tell them apart
        long[] counts = { 18, 4, 2 }; // the batch is the training set: the experts' optima are π, uniform and ∝ π̃²/π
        var loss = new DiverseExpertLoss(counts);
        var images = torch.randn(24, 1, 8, 8, generator: new Generator(2));
        var labels = torch.tensor(Enumerable.Range(0, 24).Select(i => i < 18 ? 0L : i < 22 ? 1L : 2L).ToArray());
        var optimizer = torch.optim.AdamW(model.parameters(), lr: 1e-2);
        model.train();
        for (int step = 0; step < 12; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.zero_grad();
            loss.Forward(model.ForwardExperts(images), labels).backward();
            optimizer.step();
        }
        model.eval();
        using (torch.no_grad())
        {
            var p = torch.softmax(model.ForwardExperts(images), 2).mean(new long[] { 0 }); // [3 experts, 3 classes]
            double tail0 = p[0, 2].item<float>(), tail1 = p[1, 2].item<float>(), tail2 = p[2, 2].item<float>();
            Assert.True(tail0 < tail1 && tail1 < tail2, $"rarest class's mean probability by expert: {tail0:F3}, {tail1:F3}, {tail2:F3}");
            Assert.True((p[0] - p[2]).abs().max().item<float>() > 0.1, "forward and backward experts still agree");
        }
    }
}

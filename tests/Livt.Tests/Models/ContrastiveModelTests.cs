using Livt.Interop;
using Livt.Losses.Contrastive;
using Livt.Models;
using Livt.Optimization;
using Livt.Runtime;
using Livt.Tests.Evaluation;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Livt.Tests.Models;

/// <summary>The contrastive ViT bundle, its projection heads and the momentum encoder.</summary>
public class ContrastiveModelTests
{
    private static readonly long[] Counts = { 50, 30, 20, 10, 5 };

    public ContrastiveModelTests() => LivtRuntime.Initialize();

    private static readonly VitConfig Tiny = ParityTests.Tiny() with { InChans = 1 };

    private static ContrastiveVisionTransformer Gpaco() => new(Tiny, ProjectionHeadConfig.Gpaco(32, 16));

    private static ContrastiveVisionTransformer Bcl() =>
        new(Tiny, ProjectionHeadConfig.Bcl(32, 24), ProjectionHeadConfig.Bcl(32, 24), cosineScale: 30);

    private static Tensor Images(int n, long seed = 1) =>
        torch.randn(new long[] { n, 1, 16, 16 }, generator: new Generator((ulong)seed));

    [Fact]
    public void ParametersAreNamedLikeTheOfficialHeadsAndLayerDecayStillSeesTimmNames()
    {
        using var gpaco = Gpaco();
        var keys = gpaco.state_dict().Keys.ToHashSet();
        Assert.Contains("vit.blocks.1.attn.qkv.weight", keys);
        Assert.Contains("vit.head.weight", keys);
        Assert.Equal(new[] { "projector.0.bias", "projector.0.weight", "projector.2.bias", "projector.2.weight", "projector.4.bias", "projector.4.weight" },
            keys.Where(k => k.StartsWith("projector.")).Order());

        using var bcl = Bcl();
        var bclKeys = bcl.state_dict().Keys.ToHashSet();
        foreach (var k in new[] { "projector.1.running_mean", "projector.3.weight", "center_projector.0.weight", "center_projector.1.num_batches_tracked" })
            Assert.Contains(k, bclKeys);

        Assert.Equal("blocks.1.mlp.fc1.weight", ContrastiveVisionTransformer.EncoderName("vit.blocks.1.mlp.fc1.weight"));
        Assert.Equal("projector.0.weight", ContrastiveVisionTransformer.EncoderName("projector.0.weight"));
        Assert.Equal(2, ParamGroups.LayerId("blocks.1.mlp.fc1.weight", Tiny.Depth));
        Assert.Equal(Tiny.Depth + 1, ParamGroups.LayerId("projector.0.weight", Tiny.Depth));
        var groups = ParamGroups.LayerDecay(gpaco.named_parameters(), Tiny.Depth, 0.05, 0.75, ContrastiveVisionTransformer.EncoderName);
        Assert.Equal(gpaco.parameters().Count(p => p.requires_grad), groups.Sum(g => g.Parameters.Count));
        // The groups keep the model's own names; the layer comes from the ViT name.
        var embed = Assert.Single(groups, g => g.Names.Contains("vit.patch_embed.proj.weight"));
        Assert.Equal(0, embed.LayerId);
        Assert.Equal(0, Assert.Single(groups, g => g.Names.Contains("vit.cls_token")).WeightDecay);
    }

    [Fact]
    public void EncodeReturnsPooledFeaturesUnitProjectionsAndTheViTsLogits()
    {
        using var model = Gpaco();
        model.eval();
        using var scope = torch.NewDisposeScope();
        var images = Images(4);
        using var outputs = model.Encode(images);
        Assert.Equal(new long[] { 4, 32 }, outputs.Pooled.shape);
        Assert.Equal(new long[] { 4, 16 }, outputs.Projection.shape);
        TensorAssert.Close(torch.ones(4), outputs.Projection.norm(1), 1e-5, "projection norms");
        TensorAssert.Close(model.Vit.forward(images), outputs.Logits, 1e-6, "logits");
        TensorAssert.Close(outputs.Logits, model.forward(images), 1e-6, "forward is the classifier");
        Assert.Throws<InvalidOperationException>(() => model.ClassCenters());

        // Any floating dtype: the bundle has no dtype-specific constants.
        model.to(ScalarType.Float64);
        using var wide = model.Encode(images.to(ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, wide.Logits.dtype);
    }

    [Fact]
    public void SubModulesAreCalledSoTheirHooksFire()
    {
        using var model = Gpaco();
        int calls = 0;
        var handle = model.Projector.register_forward_hook((_, _, output) => { calls++; return output; });
        using var scope = torch.NewDisposeScope();
        using (model.Encode(Images(2))) Assert.Equal(1, calls);
        handle.remove();
    }

    [Fact]
    public void CosineClassifierScoresScaledCosinesAndIsSavedAsOne()
    {
        using var model = Bcl();
        model.eval();
        using var scope = torch.NewDisposeScope();
        var head = model.Vit.state_dict();
        TensorAssert.Close(torch.ones(5), head["head.weight"].norm(1), 1e-5, "unit class weights at the start");
        Assert.False(model.Vit.named_parameters().First(p => p.name == "head.bias").parameter.requires_grad);

        var images = Images(3);
        using var outputs = model.Encode(images);
        var cos = F.normalize(outputs.Pooled, dim: 1).matmul(F.normalize(head["head.weight"], dim: 1).t());
        TensorAssert.Close(cos * 30, outputs.Logits, 1e-5, "s·cos");

        // The saved classifier (what evaluate, predict and export load) keeps the cosine head, so its
        // logits — and their calibration — are the trained s·cos, as BCL's official evaluation reads them.
        Assert.Equal(30, model.Vit.Config.CosineScale);
        using var saved = new VisionTransformer(model.Vit.Config);
        StateDictLoader.Load(saved, model.ClassifierWeights(), strict: true);
        saved.eval();
        TensorAssert.Close(outputs.Logits, saved.forward(images), 1e-5, "saved classifier");
    }

    [Fact]
    public void OneOptimizerStepOnTheBclLossTrainsEveryPart()
    {
        using var model = Bcl();
        model.train();
        using var scope = torch.NewDisposeScope();
        var labels = torch.tensor(new long[] { 0, 1, 2, 3 });
        using var classify = model.Encode(Images(4, 1));
        using var view1 = model.Encode(Images(4, 2));
        using var view2 = model.Encode(Images(4, 3));
        var views = torch.stack(new[] { view1.Projection, view2.Projection }, 1);
        var loss = new BclLoss(Counts, new BclOptions { ProjectionDim = 24 }).Forward(classify.Logits, views, model.ClassCenters(), labels);
        loss.Total.backward();

        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        foreach (var (name, p) in trainable)
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{name} has no gradient");
        var before = trainable.ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: 1e-3);
        optimizer.step();
        foreach (var (name, p) in trainable)
            Assert.True(before[name].ne(p.detach()).any().item<bool>(), $"{name} did not move");
    }

    [Fact]
    public void StateRoundTripsThroughSafetensors()
    {
        using var model = Bcl();
        using var dir = new TempDir();
        var path = dir.File("bcl.safetensors");
        SafeTensors.Write(path, model.state_dict());
        using var copy = Bcl();
        using (var file = SafeTensors.Read(path)) StateDictLoader.Load(copy, file.Tensors, strict: true);
        model.eval();
        copy.eval();
        using var scope = torch.NewDisposeScope();
        var images = Images(3);
        TensorAssert.Close(model.forward(images), copy.forward(images), 0, "logits");
        TensorAssert.Close(model.ClassCenters(), copy.ClassCenters(), 0, "centres");
    }

    [Fact]
    public void MomentumEncoderStartsAsACopyAndFollowsByEma()
    {
        using var online = new ContrastiveVisionTransformer(Tiny, ProjectionHeadConfig.ResCom(32, 16));
        using var key = new ContrastiveVisionTransformer(Tiny, ProjectionHeadConfig.ResCom(32, 16));
        using (var _ = torch.no_grad())
            online.state_dict()["projector.1.running_mean"].fill_(0.5);
        var momentum = new MomentumEncoder(online, key, 0.9);
        var onlineState = online.state_dict();
        foreach (var (name, t) in key.state_dict())
            TensorAssert.Close(onlineState[name], t, 0, name);
        Assert.All(key.parameters(), p => Assert.False(p.requires_grad));

        var w = onlineState["projector.0.weight"];
        var start = w.detach().clone();
        using (var _ = torch.no_grad()) w.add_(1.0);
        momentum.Update();
        TensorAssert.Close(start + 0.1, key.state_dict()["projector.0.weight"], 1e-5, "0.9·old + 0.1·new");
    }
}

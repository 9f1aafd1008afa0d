using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Models;
using Livt.Training;
using Livt.Training.Pretraining;
using Livt.Training.Pretraining.Byol;
using Livt.Training.Pretraining.Dcl;
using Livt.Training.Pretraining.MimCo;
using Livt.Training.Pretraining.MocoV3;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>
/// The pretraining objectives against their official steps transcribed in PyTorch
/// (fixtures/make_pretraining_fixtures.py), float64 on a tiny cls-token ViT: the loss of every step, gradients,
/// the weights after plain SGD, the momentum / target network after its EMA moves and BatchNorm's running
/// statistics, to 1e-6.
/// </summary>
public class PretrainingParityTests
{
    private const double Tolerance = 1e-6;
    private static readonly Scalar MinusLr = -0.1;

    public PretrainingParityTests() => LivtRuntime.Initialize();

    internal static VitConfig TinyVit => new()
    {
        ImageSize = 8, InChans = 1, PatchSize = 4, EmbedDim = 16, Depth = 1, NumHeads = 2, NumClasses = 3,
        DecoderEmbedDim = 12, DecoderDepth = 1, DecoderNumHeads = 2, Attention = AttentionImpl.Manual,
    };

    /// <summary>A one-epoch fp32 run of <paramref name="method"/> with <paramref name="steps"/> steps on <see cref="TinyVit"/>.</summary>
    internal static PretrainingSetup Setup(string method, int steps, JsonObject? settings = null)
    {
        var overrides = new JsonObject
        {
            ["method"] = method, ["epochs"] = 1, ["warmup_epochs"] = 0, ["accum_iter"] = 1, ["precision"] = "fp32", ["out"] = TinyRuns.TempDir(),
        };
        foreach (var (key, value) in settings ?? []) overrides[key] = value?.DeepClone();
        var config = ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), overrides);
        return new PretrainingSetup(config, TinyVit, PrecisionPolicy.Resolve("fp32", CPU), CPU, SingleProcessParallel.Instance, steps, NullTrainingObserver.Instance);
    }

    private static IReadOnlyDictionary<string, Tensor> Prefixed(IReadOnlyDictionary<string, Tensor> f, string prefix) =>
        f.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    /// <summary>Loads the fixture's weights; only Livt's own bookkeeping buffers (<paramref name="ownState"/>) may be missing.</summary>
    private static void LoadInit(nn.Module model, IReadOnlyDictionary<string, Tensor> weights, params string[] ownState)
    {
        var report = StateDictLoader.Load(model, weights, strict: false);
        Assert.Empty(report.Unexpected);
        Assert.Empty(report.ShapeMismatched);
        Assert.Equal(ownState, report.Missing);
    }

    private static T NotUsed<T>() => throw new InvalidOperationException("an fp32 run builds no working copy");

    private static void Sgd(nn.Module model)
    {
        using var _ = torch.no_grad();
        foreach (var p in model.parameters())
            if (p.requires_grad && p.grad is { } g) p.add_(g, MinusLr);
    }

    /// <summary>Runs the fixture's steps through <paramref name="objective"/> and compares losses and gradients.</summary>
    private static void Steps(IPretrainingObjective objective, IReadOnlyDictionary<string, Tensor> f, int steps)
    {
        var model = objective.Model;
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var generator = new Generator(0);
        for (int s = 0; s < steps; s++)
        {
            using var scope = torch.NewDisposeScope();
            model.train();
            var loss = objective.Loss(f[$"step{s}.views"], new StepContext(0, s, s, s, generator));
            TensorAssert.Close(f[$"step{s}.loss"], loss, Tolerance, $"step {s} loss");
            model.zero_grad();
            loss.backward();
            foreach (var (key, expected) in Prefixed(f, $"step{s}.grad."))
                TensorAssert.Close(expected, parameters[key].grad!, Tolerance, $"step {s} gradient of {key}");
            Sgd(model);
        }
    }

    private static void Final(nn.Module model, IReadOnlyDictionary<string, Tensor> expected, string what)
    {
        var state = model.state_dict();
        foreach (var (key, t) in expected) TensorAssert.Close(t, state[key], Tolerance, $"{key} {what}");
    }

    [Fact]
    public void MocoV3MatchesTheOfficialBuilderOverThreeSteps()
    {
        using var fixture = SafeTensors.Read(TensorAssert.Fixture("pretraining", "moco_v3.safetensors"));
        var f = fixture.Tensors;
        var options = new MocoV3Options { Temperature = 0.2, Momentum = 0.9, ProjDim = 8, HiddenDim = 32, FreezePatchEmbed = true };
        using var scratch = new Generator(0);
        var model = new MocoV3Model(TinyVit, options, scratch, processSum: null);
        model.to(ScalarType.Float64);
        LoadInit(model, Prefixed(f, "init."));
        using var objective = new MocoV3Method.Objective(Setup("moco-v3", 3), options, model, NotUsed<MocoV3Model>);
        Assert.False(model.named_parameters().Single(p => p.name == "base_encoder.vit.patch_embed.proj.weight").parameter.requires_grad);

        Steps(objective, f, 3);
        Final(model, Prefixed(f, "final."), "after three steps");
    }

    [Fact]
    public void ByolMatchesTheOfficialStepOverThreeSteps()
    {
        using var fixture = SafeTensors.Read(TensorAssert.Fixture("pretraining", "byol.safetensors"));
        var f = fixture.Tensors;
        var options = new ByolOptions { Momentum = 0.9, ProjDim = 8, HiddenDim = 32 };
        using var scratch = new Generator(0);
        var model = new ByolModel(TinyVit, options, scratch, processSum: null);
        model.to(ScalarType.Float64);
        LoadInit(model, Prefixed(f, "init."), "target_steps");
        using var objective = new ByolMethod.Objective(Setup("byol", 3), options, model, NotUsed<ByolModel>);

        Steps(objective, f, 3);
        Final(model, Prefixed(f, "final."), "after three steps");
        // The target's move for the last step is owed to the next one; two moves taken so far.
        Final(model.Target, Prefixed(f, "target_before_last."), "(target) after two EMA moves");
        Assert.Equal(2, model.TargetSteps.item<long>());
    }

    [Theory]
    [InlineData("dcl")]
    [InlineData("dclw")]
    public void DclMatchesTheReferenceLossOverTwoSteps(string name)
    {
        using var fixture = SafeTensors.Read(TensorAssert.Fixture("pretraining", $"{name}.safetensors"));
        var f = fixture.Tensors;
        var setup = Setup(name, 2, new JsonObject { ["ssl_hidden_dim"] = 32, ["ssl_proj_dim"] = 8 });
        var method = (DclMethod)PretrainingMethods.Get(name);
        using var scratch = new Generator(0);
        var model = SiameseVit.Create(TinyVit, DclMethod.Head(setup.Config, TinyVit.EmbedDim), scratch, processSum: null, freezePatchEmbed: false);
        model.to(ScalarType.Float64);
        LoadInit(model, Prefixed(f, "init."));
        using var objective = new DclMethod.Objective(setup, model, NotUsed<ContrastiveVisionTransformer>, method.Temperature(setup.Config), method.Sigma(setup.Config));

        Steps(objective, f, 2);
        Final(model, Prefixed(f, "final."), "after two steps");
    }

    [Fact]
    public void MimCoMatchesTheTranscribedLossesAndTheObjectiveDrawsItsMaskFromTheStep()
    {
        using var fixture = SafeTensors.Read(TensorAssert.Fixture("pretraining", "mimco.safetensors"));
        var f = fixture.Tensors;
        using var scratch = new Generator(0);
        var student = new MimCoModel(TinyVit, teacherDim: 24, hiddenDim: 32, scratch, processSum: null);
        student.to(ScalarType.Float64);
        LoadInit(student, Prefixed(f, "student."));
        var teacher = new VisionTransformer(TinyVit with { EmbedDim = 24, GlobalPool = false }, scratch);
        teacher.to(ScalarType.Float64);
        LoadInit(teacher, Prefixed(f, "teacher."));
        teacher.eval();
        student.train();

        // The paper's two losses for a given mask: what the objective must compute.
        (Tensor Patch, Tensor Image) Losses(Tensor images, Tensor noise)
        {
            var (latent, mask, kept) = student.Mae.ForwardEncoder(images, 0.75, noise);
            var tokens = teacher.ForwardTokens(images).detach();
            return (MimCoLoss.PatchLevel(student.Mae.ForwardDecoder(latent, kept), tokens.narrow(1, 1, 4), mask, 0.2),
                MimCoLoss.ImageLevel(student.ImageHead.call(latent.select(1, 0)), tokens.select(1, 0), 0.2, null, 0));
        }

        using (torch.NewDisposeScope())
        {
            var (patch, image) = Losses(f["images"], f["noise"]);
            TensorAssert.Close(f["patch"], patch, Tolerance, "patch-level loss");
            TensorAssert.Close(f["image"], image, Tolerance, "image-level loss");
            (patch + image).backward();
            var parameters = student.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (key, expected) in Prefixed(f, "step0.grad."))
                TensorAssert.Close(expected, parameters[key].grad!, Tolerance, $"gradient of {key}");
        }

        // The objective draws the mask from the step's generator and adds the two losses.
        using var objective = new MimCoMethod.Objective(Setup("mimco", 1), student, NotUsed<MimCoModel>, teacher, 0.2);
        using var generator = new Generator(7);
        using var replay = new Generator(7);
        using (torch.NewDisposeScope())
        {
            var images = f["images"];
            var (patch, image) = Losses(images, torch.rand([images.shape[0], 4], dtype: ScalarType.Float32, generator: replay));
            TensorAssert.Close(patch + image, objective.Loss(images, new StepContext(0, 0, 0, 0, generator)), 1e-12, "objective loss");
        }
    }
}

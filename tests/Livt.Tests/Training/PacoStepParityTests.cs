using Livt.Engine;
using Livt.Interop;
using Livt.Losses.Contrastive;
using Livt.Models;
using Livt.Runtime;
using Livt.Tests.Models;
using Livt.Training.Contrastive;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Training;

/// <summary>
/// PaCo's method (query model, momentum key encoder, FIFO queue, the parametric contrastive loss) against
/// three steps of the official builder and loss transcribed in PyTorch
/// (fixtures/make_paco_fixtures.py): the loss of every step, gradients, the weights after plain SGD, the
/// key encoder after three EMA moves and the queue, in float64 to 1e-5.
/// </summary>
public class PacoStepParityTests
{
    private static readonly long[] Counts = [500, 200, 80, 20, 5];
    private static readonly string[] GradKeys =
        ["vit.patch_embed.proj.weight", "vit.blocks.0.attn.qkv.weight", "vit.fc_norm.weight", "vit.head.weight", "vit.head.bias",
         "projector.0.weight", "projector.4.weight"];

    public PacoStepParityTests() => LivtRuntime.Initialize();

    [Fact]
    public void ThreeStepsMatchTheOfficialBuilderAndLoss()
    {
        using var fixture = SafeTensors.Read(TensorAssert.Fixture("contrastive", "paco_steps.safetensors"));
        var f = fixture.Tensors;
        var vit = new VitConfig
        {
            ImageSize = 8, InChans = 3, PatchSize = 4, EmbedDim = 16, Depth = 1, NumHeads = 2, NumClasses = Counts.Length,
            GlobalPool = true, Attention = AttentionImpl.Manual,
        };
        var head = ProjectionHeadConfig.Gpaco(vit.EmbedDim, 8);
        using var scratch = new Generator(0);
        var model = new ContrastiveVisionTransformer(vit, head, generator: scratch);
        model.to(ScalarType.Float64);
        var init = f.Where(kv => kv.Key.StartsWith("init.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["init.".Length..], kv => kv.Value);
        Assert.True(StateDictLoader.Load(model, init, source: "paco_steps.safetensors").IsExact);
        var key = new ContrastiveVisionTransformer(vit, head, generator: scratch);
        key.to(ScalarType.Float64);
        using var method = new PacoMethod(model, key, Counts, new GpacoOptions { QueueSize = 8, ProjectionDim = 8, EncoderMomentum = 0.9 }, CPU);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var generator = new Generator(0);
        using Scalar lr = -0.1;

        for (int s = 0; s < 3; s++)
        {
            using var scope = torch.NewDisposeScope();
            method.BeginEpoch(0);
            model.train();
            var loss = method.Loss(f[$"step{s}.views"], f[$"step{s}.labels"], new StepContext(0, s, s, s, generator)).Total;
            TensorAssert.Close(f[$"step{s}.loss"], loss, 1e-5, $"step {s} loss");
            model.zero_grad();
            loss.backward();
            foreach (var name in GradKeys)
                TensorAssert.Close(f[$"step{s}.grad.{name}"], parameters[name].grad!, 1e-5, $"step {s} gradient of {name}");
            using (torch.no_grad())
                foreach (var p in model.parameters()) p.add_(p.grad!, lr);
        }

        var keyParameters = key.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var name in GradKeys)
        {
            TensorAssert.Close(f[$"final.{name}"], parameters[name], 1e-5, $"{name} after three steps");
            TensorAssert.Close(f[$"key.{name}"], keyParameters[name], 1e-5, $"key encoder's {name} after three steps");
        }
        var buffers = method.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        TensorAssert.Close(f["queue.keys"], buffers["queue_keys"], 1e-5, "queue keys");
        Assert.Equal(f["queue.labels"].data<long>().ToArray(), buffers["queue_labels"].data<long>().ToArray());
        Assert.Equal(f["queue.pointer"].data<long>().ToArray(), buffers["queue_pointer"].data<long>().ToArray());
    }
}

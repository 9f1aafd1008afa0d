using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

/// <summary>The ViT run on parameters given by name: the same function as the module, and differentiable
/// with respect to those values (Difficulty-Net's virtual step).</summary>
public class FunctionalVitTests
{
    public FunctionalVitTests() => LivtRuntime.Initialize();

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, null)]
    [InlineData(true, 30.0)]
    public void ForwardOnTheModulesOwnParametersIsTheModulesForward(bool globalPool, double? cosineScale)
    {
        var config = ParityTests.Tiny() with { GlobalPool = globalPool, CosineScale = cosineScale };
        torch.manual_seed(5);
        using var model = new VisionTransformer(config);
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad())
            foreach (var p in model.parameters())
                p.add_(torch.randn_like(p) * 0.05);
        model.eval();
        var images = torch.randn(3, 3, 16, 16, generator: new Generator(7));
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        using var noGrad = torch.no_grad();
        TensorAssert.Close(model.forward(images), FunctionalVit.Forward(config, parameters, images), 1e-5, "logits");
    }

    [Fact]
    public void GradientsWithRespectToGivenValuesAreTheModulesGradients()
    {
        var config = ParityTests.Tiny();
        torch.manual_seed(6);
        using var model = new VisionTransformer(config);
        model.eval();
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(2, 3, 16, 16, generator: new Generator(8));
        model.forward(images).pow(2).sum().backward();
        var values = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().requires_grad_(true));
        FunctionalVit.Forward(config, values.ToDictionary(kv => kv.Key, kv => kv.Value), images).pow(2).sum().backward();
        foreach (var (name, p) in model.named_parameters())
            TensorAssert.Close(p.grad!, values[name].grad!, 1e-4, name);
    }
}

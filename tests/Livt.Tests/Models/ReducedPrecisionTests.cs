using Livt.Engine;
using Livt.Models;
using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Tests.Models;

/// <summary>What autocast keeps in fp32 stays fp32 in the bf16 working copy: LayerNorm statistics,
/// attention's softmax, the MAE's norm-pix target and loss.</summary>
public class ReducedPrecisionTests
{
    public ReducedPrecisionTests() => LivtRuntime.Initialize();

    [Fact]
    public void WorkingCopyNormalisesInFp32AndCastsBack()
    {
        torch.manual_seed(1);
        using var master = new VisionTransformer(ParityTests.Tiny());
        using var mixed = new MixedPrecision(master, null, new VisionTransformer(ParityTests.Tiny()));
        var seen = new List<(ScalarType In, ScalarType Out, ScalarType Weight)>();
        foreach (var (_, module) in mixed.Work.named_modules())
            if (module is LayerNorm norm)
                norm.register_forward_hook((m, input, output) =>
                {
                    seen.Add((input.dtype, output.dtype, ((LayerNorm)m).weight!.dtype));
                    return output;
                });
        using var x = torch.rand(2, 3, 16, 16);
        using var logits = ((VisionTransformer)mixed.Work).forward(x);
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        Assert.Equal(2 * ParityTests.Tiny().Depth + 1, seen.Count); // norm1, norm2 per block, fc_norm
        Assert.All(seen, s => Assert.Equal((ScalarType.Float32, ScalarType.Float32, ScalarType.Float32), s));
    }

    [Fact]
    public void Fp32LayerNormMatchesTheFp32ReferenceOnBf16Input()
    {
        torch.manual_seed(2);
        using var norm = nn.LayerNorm(64, eps: 1e-6);
        using var x = (torch.randn(8, 5, 64) * 3 + 1).to(ScalarType.BFloat16);
        using var y = Fp32.LayerNorm(norm, x);
        using var reference = norm.forward(x.to(ScalarType.Float32));
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        // The only rounding is the final cast to bf16: at most half a bf16 step (2^-8 relative).
        Assert.True(y.to(ScalarType.Float32).allclose(reference, rtol: 1.0 / 256, atol: 1e-6));
        Assert.True(y.equal(reference.to(ScalarType.BFloat16)).all().item<bool>());
    }

    [Fact]
    public void SoftmaxKeepsFp32ProbabilitiesForItsGradient()
    {
        torch.manual_seed(3);
        using var s = (torch.randn(4, 2, 16, 16) * 4).to(ScalarType.BFloat16).requires_grad_();
        using var g = torch.randn(4, 2, 16, 16).to(ScalarType.BFloat16);
        using var p = Fp32.Softmax(s);
        Assert.Equal(ScalarType.BFloat16, p.dtype);
        p.backward([g]);
        // fp32 reference from the same bf16 scores and upstream gradient: dS = P ⊙ (G − Σ G·P).
        using var p32 = s.detach().to(ScalarType.Float32).softmax(-1);
        using var g32 = g.to(ScalarType.Float32);
        using var ds32 = p32 * (g32 - (g32 * p32).sum(-1, keepdim: true));
        Assert.True(p.equal(p32.to(ScalarType.BFloat16)).all().item<bool>(), "forward is not the fp32 softmax rounded once");
        Assert.True(s.grad!.equal(ds32.to(ScalarType.BFloat16)).all().item<bool>(), "the gradient was not computed from fp32 probabilities");
    }

    [Fact]
    public void SoftmaxInFp32IsTheOrdinarySoftmax()
    {
        using var s = torch.randn(3, 7);
        using var p = Fp32.Softmax(s);
        Assert.Equal(ScalarType.Float32, p.dtype);
        Assert.True(p.equal(s.softmax(-1)).all().item<bool>());
    }

    [Fact]
    public void MaeNormPixTargetAndLossAreFp32FromTheExactPixels()
    {
        var config = ParityTests.Tiny();
        torch.manual_seed(4);
        using var master = new MaskedAutoencoder(config);
        using var mixed = new MixedPrecision(master, null, new MaskedAutoencoder(config));
        var work = (MaskedAutoencoder)mixed.Work;
        using var images = torch.rand(2, config.InChans, config.ImageSize, config.ImageSize) * 255;
        using var noise = torch.rand(2, config.NumPatches);
        var (loss, pred, mask) = work.Forward(images, 0.75, noise);
        Assert.Equal((ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float32), (loss.dtype, pred.dtype, mask.dtype));

        // The same loss from the fp32 pixels (large values: a bf16 copy of them would be off by ~0.4 %).
        using var target = master.Patchify(images);
        using var normed = (target - target.mean([-1], keepdim: true)) / (target.var(-1, unbiased: true, keepdim: true) + 1e-6).sqrt();
        using var expected = ((pred.to(ScalarType.Float32) - normed).square().mean([-1]) * mask).sum() / mask.sum();
        Assert.Equal(expected.item<float>(), loss.item<float>(), 5);
    }
}

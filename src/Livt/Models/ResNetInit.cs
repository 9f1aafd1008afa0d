using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// The CNNs' initialisation drawn from a generator the run owns (TorchSharp's <c>nn.init</c> functions do not
/// take one): He-normal convolutions — fan-in for LDAM-DRW's CIFAR ResNet (<c>kaiming_normal_</c> on every
/// Conv2d and Linear weight), fan-out for torchvision's ResNet — BatchNorm 1/0, and PyTorch's default
/// U(±1/√fan_in) for the parts the official code leaves at it (Linear biases, torchvision's <c>fc</c> weight).
/// </summary>
internal static class ResNetInit
{
    /// <summary>LDAM-DRW's <c>_weights_init</c>: He-normal with fan-in on convolutions and linear weights.</summary>
    public static void Cifar(nn.Module model, Generator? generator)
    {
        using var _ = torch.no_grad();
        foreach (var m in model.modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    HeNormal(conv.weight!, FanIn(conv.weight!), generator);
                    break;
                case Linear linear:
                    HeNormal(linear.weight!, linear.weight!.shape[1], generator);
                    DefaultBias(linear, generator);
                    break;
            }
        }
    }

    /// <summary>torchvision's ResNet: He-normal with fan-out on convolutions, the head at PyTorch's default.</summary>
    public static void Torchvision(nn.Module model, Generator? generator)
    {
        using var _ = torch.no_grad();
        foreach (var m in model.modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    HeNormal(conv.weight!, conv.weight!.shape[0] * conv.weight!.shape[2] * conv.weight!.shape[3], generator);
                    break;
                case Linear linear:
                    double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
                    CpuRandom.Uniform_(linear.weight!, -bound, bound, generator);
                    DefaultBias(linear, generator);
                    break;
            }
        }
    }

    private static long FanIn(Tensor weight) => weight.shape[1] * weight.shape[2] * weight.shape[3];

    // kaiming_normal_ with relu's gain √2: N(0, 2 / fan).
    private static void HeNormal(Tensor weight, long fan, Generator? generator) => CpuRandom.Normal_(weight, 0, Math.Sqrt(2.0 / fan), generator);

    private static void DefaultBias(Linear linear, Generator? generator)
    {
        if (linear.bias is null) return;
        double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
        CpuRandom.Uniform_(linear.bias, -bound, bound, generator);
    }
}

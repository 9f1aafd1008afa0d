using Livt.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Livt.Models;

/// <summary>
/// Difficulty-Net (Sinha and Ohashi, "Difficulty-Net: Learning to Predict Difficulty for Long-Tailed
/// Recognition", WACV 2023; hitachi-rd-cv/Difficulty_Net): an MLP from the per-class validation accuracies
/// [1, C] to per-class difficulties in (0, 1) — <c>linear1</c> C→h, ReLU, <c>linear2</c> h→h, ReLU,
/// <c>linear3</c> h→C, sigmoid — that become the class weights of the training loss. The official ImageNet-LT
/// and Places-LT code uses h = 1024 with biases (its CIFAR code h = 128 without). PyTorch's default Linear
/// initialisation, as the official code: U(±1/√fan_in) for weights and biases.
/// </summary>
public sealed class DifficultyNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly Linear linear3;

    /// <param name="numClasses">C.</param>
    /// <param name="hidden">h, the width of both hidden layers.</param>
    /// <param name="bias">Whether the layers have biases.</param>
    /// <param name="generator">Where the initial weights are drawn from (the run's); null for libtorch's global one.</param>
    public DifficultyNet(int numClasses, int hidden = 1024, bool bias = true, Generator? generator = null) : base(nameof(DifficultyNet))
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "at least one class");
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "at least one unit");
        NumClasses = numClasses;
        linear1 = nn.Linear(numClasses, hidden, hasBias: bias);
        linear2 = nn.Linear(hidden, hidden, hasBias: bias);
        linear3 = nn.Linear(hidden, numClasses, hasBias: bias);
        RegisterComponents();
        if (generator is null) return;
        using var _ = torch.no_grad();
        foreach (var layer in new[] { linear1, linear2, linear3 })
        {
            double bound = 1 / Math.Sqrt(layer.weight!.shape[1]);
            CpuRandom.Uniform_(layer.weight!, -bound, bound, generator);
            if (layer.bias is { } b) CpuRandom.Uniform_(b, -bound, bound, generator);
        }
    }

    /// <summary>C.</summary>
    public int NumClasses { get; }

    /// <summary>Per-class accuracies [B, C] in [0, 1] → difficulties [B, C] in (0, 1).</summary>
    public override Tensor forward(Tensor accuracies)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.nn.functional.relu(linear1.call(accuracies));
        x = torch.nn.functional.relu(linear2.call(x));
        return torch.sigmoid(linear3.call(x)).MoveToOuterDisposeScope();
    }
}

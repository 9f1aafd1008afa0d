using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Engine;

/// <summary>Turns <c>--device</c> into a libtorch device, with a clear error where it cannot run.</summary>
public static class TrainingDevice
{
    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public static Device Parse(string name)
    {
        var lower = name.Trim().ToLowerInvariant();
        if (lower == "cpu") return CPU;
        if (lower == "cuda" || lower.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new LivtException($"--device {name}: CUDA is not available: this build uses the TorchSharp-cpu package (build with -p:LivtCuda=true on " +
                    "a machine with the TorchSharp-cuda-linux package) or no GPU is visible");
            return torch.device(lower);
        }
        throw new LivtException($"--device {name}: expected cpu, cuda or cuda:N");
    }
}

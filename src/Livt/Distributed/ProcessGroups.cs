using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Distributed;

/// <summary>Chooses the process group from how the process was launched and where it trains.</summary>
public static class ProcessGroups
{
    /// <summary>
    /// The process group of this run: <see cref="SingleProcess"/> without a launcher (or with one
    /// process), exactly as an ordinary run; with several processes, NCCL (bootstrapped over MPI) when
    /// <paramref name="device"/> is a CUDA device, else MPI. Pass the device from <see cref="LocalDevice"/>.
    /// </summary>
    public static IProcessGroup FromEnvironment(Device device, DistributedOptions? options = null) =>
        Create(LaunchEnvironment.Detect(), device, options ?? new DistributedOptions());

    /// <summary><see cref="FromEnvironment"/> for a given launch environment.</summary>
    public static IProcessGroup Create(LaunchEnvironment launch, Device device, DistributedOptions options)
    {
        if (!launch.IsDistributed) return SingleProcess.Instance;
        return device.type == DeviceType.CUDA
            ? NcclProcessGroup.Start(launch, LocalDevice(device, launch), options)
            : MpiProcessGroup.Start(launch, options);
    }

    /// <summary>
    /// The device this process should train on: a CUDA device without an index becomes
    /// cuda:(local rank mod visible GPUs), so the processes on one machine take one GPU each; an
    /// explicit index or the CPU is kept.
    /// </summary>
    public static Device LocalDevice(Device requested, LaunchEnvironment launch)
    {
        if (requested.type != DeviceType.CUDA || requested.index >= 0) return requested;
        int count = torch.cuda.device_count();
        if (count <= 0) throw new LivtException($"{launch.Describe()} was asked to train on CUDA, but no GPU is visible");
        return torch.device(DeviceType.CUDA, launch.LocalRank % count);
    }
}

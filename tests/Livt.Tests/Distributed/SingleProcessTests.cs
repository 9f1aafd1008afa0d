using System.Runtime.InteropServices;
using Livt.Distributed;
using Livt.Optimization;
using Livt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Distributed;

/// <summary>Without a launcher nothing changes: one process, collectives that leave the data alone.</summary>
public class SingleProcessTests
{
    public SingleProcessTests() => LivtRuntime.Initialize();

    [Fact]
    public void AnUnlaunchedRunGetsTheSingleProcessGroup()
    {
        var group = ProcessGroups.Create(LaunchEnvironment.Unlaunched, CPU, new DistributedOptions());
        Assert.Same(SingleProcess.Instance, group);
        Assert.Same(SingleProcess.Instance, ProcessGroups.Create(new LaunchEnvironment(Launcher.OpenMpi, 0, 1, 0), CPU, new DistributedOptions()));
        Assert.Equal((0, 1, true, "single"), (group.Rank, group.WorldSize, group.IsFirst, group.Backend));

        using var t = torch.arange(6, dtype: ScalarType.Float32);
        group.AllReduce(t);
        group.Broadcast(t);
        group.Barrier();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (float)i), t.data<float>().ToArray());
        using var gathered = group.AllGather(t);
        Assert.Equal(t.data<float>().ToArray(), gathered.data<float>().ToArray());
        Assert.NotEqual(t.Handle, gathered.Handle);
    }

    [Fact]
    public void GradientsOfASingleProcessAreLeftAsTheyAre()
    {
        using var linear = nn.Linear(3, 2);
        using var store = ParameterStore.Create(ParamGroups.WeightDecay(linear.named_parameters(), 0));
        linear.call(torch.ones(4, 3)).sum().backward();
        float[] before = linear.weight!.grad!.data<float>().ToArray();
        var sync = new GradientSynchronizer(SingleProcess.Instance, store);
        sync.AverageGradients();
        GradientSynchronizer.BroadcastParameters(SingleProcess.Instance, linear);
        Assert.Equal(0, sync.BucketCount);
        Assert.Equal(before, linear.weight!.grad!.data<float>().ToArray());
    }

    [Fact]
    public void AMissingNcclIsNamed()
    {
        if (NativeLibrary.TryLoad("libnccl.so.2", out var nccl))
        {
            NativeLibrary.Free(nccl);
            return; // nothing to explain on a machine that has NCCL
        }
        Assert.Contains("libnccl.so.2 could not be loaded", Assert.Throws<LivtException>(() => NcclLibrary.Load()).Message);
    }
}

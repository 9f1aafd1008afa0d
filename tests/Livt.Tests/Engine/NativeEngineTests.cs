using Livt.Runtime;
using TorchSharp;

namespace Livt.Tests.Engine;

public class NativeEngineTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        LivtRuntime.Initialize();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }

    [Fact]
    public void GlibcAllocatorIsTunedOnLinux()
    {
        LivtRuntime.Initialize();
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null
            && Environment.GetEnvironmentVariable("LIVT_MALLOC") is null)
            Assert.True(LivtRuntime.AllocatorTuned);
    }
}

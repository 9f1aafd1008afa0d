using Livt.Augmentation;
using Livt.Data;
using Livt.Runtime;

namespace Livt.Tests.Data;

/// <summary>The loader stays out of the step's way: few background-priority workers when compute takes
/// every core, and a consumer that builds a batch itself rather than wait on a starved worker.</summary>
public class LoaderSchedulingTests
{
    public LoaderSchedulingTests() => LivtRuntime.Initialize();

    [Theory]
    [InlineData(2, 2, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(8, 8, 4)]
    [InlineData(8, 6, 2)]
    public void DefaultWorkersAreTheCoresComputeLeaves(int cores, int computeThreads, int workers) =>
        Assert.Equal(workers, DataLoader.DefaultWorkers(cores, computeThreads));

    /// <summary>Blocks every loader thread until released; the consumer's thread passes straight through.</summary>
    private sealed class StalledWorkers : IImageTransform
    {
        public readonly ManualResetEventSlim Release = new(false);
        public int OnConsumer;
        public volatile int Consumer = -1;

        public Image Apply(Image image, Random rng)
        {
            if (Environment.CurrentManagedThreadId == Consumer) Interlocked.Increment(ref OnConsumer);
            else Release.Wait();
            return image;
        }
    }

    [Fact]
    public async Task ConsumerBuildsBatchesItselfWhenWorkersGetNoCpu()
    {
        var set = DataFixtures.Synthetic(Enumerable.Range(0, 64).Select(i => i % 4).ToArray(), 4);
        var stalled = new StalledWorkers();
        var loader = new DataLoader(set, stalled, new LoaderOptions { BatchSize = 16, Workers = 1, Prefetch = 2, Shuffle = false });
        var task = Task.Run(() =>
        {
            stalled.Consumer = Environment.CurrentManagedThreadId;
            int batches = 0;
            foreach (var batch in loader.Epoch(0))
                using (batch)
                    batches++;
            return batches;
        });
        // The stalled worker holds one chunk (4 samples) of a batch; meanwhile the consumer builds the others.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref stalled.OnConsumer) < 12 && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(10);
        Assert.True(stalled.OnConsumer >= 12, $"the consumer built {stalled.OnConsumer} samples while the worker stalled");
        stalled.Release.Set();
        Assert.Equal(4, await task.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void BackgroundPriorityLowersOnlyTheCallingThread()
    {
        if (!OperatingSystem.IsLinux()) return;
        string got = "", policy = "";
        var thread = new Thread(() =>
        {
            got = BackgroundPriority.LowerCurrentThread();
            policy = SchedPolicy();
        });
        thread.Start();
        thread.Join();
        Assert.Equal(("idle", "5"), (got, policy)); // SCHED_IDLE
        Assert.Equal("0", SchedPolicy());             // this thread stays SCHED_OTHER
    }

    /// <summary>The calling thread's scheduling policy as the kernel reports it.</summary>
    private static string SchedPolicy() =>
        File.ReadLines("/proc/thread-self/sched").First(l => l.StartsWith("policy", StringComparison.Ordinal)).Split(':')[1].Trim();
}

using Livt.Distributed;

namespace Livt.Tests.Distributed;

public class CollectiveWatchdogTests
{
    [Fact]
    public void ACollectiveThatOverrunsIsReportedOnceAndOneThatCompletesIsNot()
    {
        var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using (var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(100), () => "rank 3 of 4", messages.Enqueue))
        {
            for (int i = 0; i < 5; i++)
                using (watchdog.Enter("a quick all-reduce"))
                    Thread.Sleep(10);
            Thread.Sleep(300);
            Assert.Empty(messages);

            using (watchdog.Enter("an all-reduce of 4 float32 values"))
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (messages.IsEmpty && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
            }
        }
        var message = Assert.Single(messages);
        Assert.StartsWith("rank 3 of 4: an all-reduce of 4 float32 values did not complete within 0.1 s", message);
    }
}

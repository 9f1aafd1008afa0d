using Livt.Fuzz;
using Livt.Runtime;

namespace Livt.Tests.Interop;

/// <summary>
/// Every input the fuzzer (bench/fuzz) found failing, kept under fixtures/fuzz/&lt;target&gt;/: each must
/// now end as any outside input must, in a result or one <see cref="LivtException"/> of one line,
/// without believing a length field into a large allocation.
/// </summary>
public class FuzzRegressionTests
{
    public FuzzRegressionTests() => LivtRuntime.Initialize();

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        var root = Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz");
        foreach (var file in Directory.GetFiles(root, "*.bin", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(Path.GetDirectoryName(file))!, Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EndsInAResultOrOneClearError(string target, string input)
    {
        var run = Targets.All.Single(t => t.Name == target).Run;
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "fuzz", target, input));
        var dir = Directory.CreateTempSubdirectory("livt-fuzz-regression-").FullName;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            run(bytes, dir);
        }
        catch (LivtException e)
        {
            Assert.DoesNotContain('\n', e.Message);
            Assert.NotEmpty(e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 64 << 20, "allocated more than 64 MiB");
    }
}

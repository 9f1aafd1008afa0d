using Livt.Data;
using Livt.Distributed;
using Livt.Engine;
using Livt.Optimization;
using static TorchSharp.torch;

namespace Livt.Tests.Engine;

/// <summary>Only the writing process writes into a run folder, and a run that writes nothing leaves no folder.</summary>
public class RunFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "livt-runfolder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void TheWriterWritesEachFileAndOpensTheLogOnFirstUse()
    {
        var dir = Path.Combine(_root, "writer");
        using (var folder = new RunFolder(dir, SingleProcessParallel.Instance))
        {
            Assert.True(folder.Writes);
            Assert.False(Directory.Exists(dir));
            Assert.Equal(Path.Combine(dir, "a.txt"), folder.Write("a.txt", path => File.WriteAllText(path, "a")));
            Assert.Equal("report", folder.Write(d => { File.WriteAllText(Path.Combine(d, "b.txt"), "b"); return "report"; }));
            Assert.False(File.Exists(Path.Combine(dir, "log.jsonl")));
            folder.Log!.Write("epoch", "finetune", 1, new Dictionary<string, double?> { ["loss"] = 1.5 });
        }
        Assert.Equal("a", File.ReadAllText(Path.Combine(dir, "a.txt")));
        Assert.Equal("b", File.ReadAllText(Path.Combine(dir, "b.txt")));
        Assert.Contains("\"loss\":1.5", File.ReadAllText(Path.Combine(dir, "log.jsonl")));
    }

    [Fact]
    public void AnyOtherProcessWritesNothing()
    {
        var dir = Path.Combine(_root, "rank1");
        bool called = false;
        using (var folder = new RunFolder(dir, new SecondRank()))
        {
            Assert.False(folder.Writes);
            Assert.Null(folder.Write("a.txt", _ => called = true));
            Assert.Null(folder.Write(_ => { called = true; return "report"; }));
            Assert.Null(folder.Log);
            Assert.Equal(Path.Combine(dir, "a.txt"), folder.File("a.txt"));
        }
        Assert.False(called);
        Assert.False(Directory.Exists(dir));
    }

    /// <summary>The second of two processes, as far as writing is concerned.</summary>
    private sealed class SecondRank : IDataParallel
    {
        public IProcessGroup Group => SingleProcess.Instance;
        public int Rank => 1;
        public int WorldSize => 2;
        public void BroadcastParameters(nn.Module model) { }
        public void AverageGradients(ParameterStore store) { }
        public ISampler Shard(ISampler sampler) => sampler;
        public double Sum(double value) => value;
    }
}

namespace Livt.Tests.Analysis;

/// <summary>No code in src/ hands libtorch a Scalar that the GC can finalize during the call.</summary>
public class ScalarTemporaryTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Livt.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Livt.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void TheScanFindsEachKindOfTemporary()
    {
        const string code = """
            using TorchSharp;
            using static TorchSharp.torch;
            class C
            {
                void M(Tensor t, Tensor u, double d)
                {
                    var a = t * 0.5;
                    var b = 1 - t;
                    var c = t.mul(d);
                    var e = t.add(u, alpha: d);
                    var f = t.clamp(0, 1);
                    t.fill_(2);
                    using var s = d.ToScalar();
                    var g = t.mul(s);
                    var h = t * u;
                    using Scalar k = 0.5, l = d;
                    Scalar j = 0.5;
                }
            }
            """;
        var found = ScalarTemporaryScan.Scan(new Dictionary<string, string> { ["snippet.cs"] = code });
        Assert.Equal([7, 8, 9, 10, 11, 11, 12, 17], found.Select(f => f.Line));
    }

    [Fact]
    public void SourceHasNoImplicitScalarTemporaries()
    {
        var src = Path.Combine(RepoRoot(), "src");
        var files = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToDictionary(f => Path.GetRelativePath(RepoRoot(), f), File.ReadAllText);
        var found = ScalarTemporaryScan.Scan(files).ToList();
        Assert.True(found.Count == 0,
            $"{found.Count} temporary Scalar(s) handed to libtorch; hold each one (using var s = x.ToScalar();) for the call:\n{string.Join("\n", found)}");
    }
}

using System.Text.RegularExpressions;
using Livt.Runtime;
using Livt.Tests.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Runtime;

public class CpuRandomTests
{
    /// <summary>A random draw written directly against TorchSharp: a function of torch (called with or
    /// without the <c>torch.</c> prefix), an in-place fill, an <c>nn.init</c> draw or dropout.</summary>
    private static readonly Regex Draw = new(
        @"(?<![\w.])(?:torch\.)?(?:rand|randn|randint|randperm|multinomial|bernoulli|poisson|normal|rand_like|randn_like|randint_like)\s*\("
        + @"|\.(?:uniform_|normal_|bernoulli_?|random_|exponential_|geometric_|cauchy_|log_normal_|multinomial)\s*\("
        + @"|init\.(?:uniform_|normal_|xavier_\w+|kaiming_\w+|trunc_normal_|orthogonal_|sparse_)\s*\("
        + @"|\b(?:dropout\w*|Dropout\w*)\s*\(",
        RegexOptions.Compiled);

    private const string Helper = "src/Livt/Runtime/CpuRandom.cs";

    [Fact]
    public void EveryDrawInSrcGoesThroughCpuRandom()
    {
        var root = RunSpecTests.RepoRoot();
        var offences = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Where(f => Path.GetRelativePath(root, f).Replace('\\', '/') != Helper)
            .SelectMany(f => Offences(File.ReadAllText(f)).Select(o => $"{Path.GetRelativePath(root, f)}: {o}"))
            .ToList();
        Assert.True(offences.Count == 0, "draws that bypass CpuRandom (they fail on CUDA with the run's CPU generator):\n" + string.Join("\n", offences));
    }

    [Theory]
    [InlineData("var m = torch.rand(new[] { 2L }, device: x.device);")]
    [InlineData("var m = randn(2, 3, device: cuda);")]
    [InlineData("w.normal_(0, 0.02, generator);")]
    [InlineData("mask.bernoulli_(0.9);")]
    [InlineData("var p = torch.randperm(10);")]
    [InlineData("p.grad = torch.randn_like(p);")]
    [InlineData("nn.init.xavier_uniform_(w);")]
    [InlineData("x = nn.functional.dropout(x, 0.1);")]
    [InlineData("using var g = new Generator(1, device);")]
    [InlineData("using var g = new Generator((ulong)Seeds.Derive(seed, 0, Stream.Init), _device);")]
    public void TheScanCatchesADirectDraw(string line) => Assert.NotEmpty(Offences(line));

    [Theory]
    [InlineData("CpuRandom.Normal_(head.weight!, 0, HeadInitStd, generator);")]
    [InlineData("using var g = new Generator((ulong)Seeds.Derive(seed, 0, Stream.Init));")]
    [InlineData("// torch.rand would fail on CUDA here")]
    [InlineData("var r = RandomNormal(x);")]
    [InlineData("nn.init.zeros_(linear.bias);")]
    public void TheScanLeavesTheHelperCommentsAndOtherCallsAlone(string line) => Assert.Empty(Offences(line));

    /// <summary>Direct draws, and generators given a device (TorchSharp makes them on the CPU anyway, so the
    /// device only misleads), in C# source; comments are skipped.</summary>
    private static IEnumerable<string> Offences(string source)
    {
        var code = string.Join("\n", source.Split('\n').Select(l => l.IndexOf("//", StringComparison.Ordinal) is var c and >= 0 ? l[..c] : l));
        foreach (Match m in Draw.Matches(code)) yield return $"'{m.Value}' at line {Line(code, m.Index)}";
        foreach (Match m in Regex.Matches(code, @"new\s+Generator\s*\("))
            if (TopLevelArguments(code, m.Index + m.Length) > 1) yield return $"a generator given a device at line {Line(code, m.Index)}";
    }

    private static int Line(string code, int index) => code.Take(index).Count(c => c == '\n') + 1;

    /// <summary>The arguments of the call whose '(' ends just before <paramref name="start"/>.</summary>
    private static int TopLevelArguments(string code, int start)
    {
        int depth = 0, arguments = 1;
        for (int i = start; i < code.Length; i++)
        {
            char c = code[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}' && depth-- == 0) return i == start ? 0 : arguments;
            else if (c == ',' && depth == 0) arguments++;
        }
        return arguments;
    }

    [Fact]
    public void OnTheCpuTheDrawsAreTheOnesTorchSharpMakesInPlace()
    {
        using var a = new Generator(7);
        using var b = new Generator(7);
        using var rand = CpuRandom.Rand([3, 5], CPU, a);
        using var direct = torch.rand(new long[] { 3, 5 }, ScalarType.Float32, CPU, generator: b);
        Assert.True(rand.eq(direct).all().item<bool>());

        using var mask = CpuRandom.Bernoulli([64, 1, 1], 0.7, ScalarType.BFloat16, CPU, a);
        using var directMask = torch.empty(new long[] { 64, 1, 1 }, ScalarType.BFloat16, CPU).bernoulli_(0.7, b);
        Assert.True(mask.eq(directMask).all().item<bool>());

        using var w = torch.empty(4, 6);
        using var directW = torch.empty(4, 6);
        CpuRandom.Uniform_(w, -0.5, 0.5, a);
        directW.uniform_(-0.5, 0.5, b);
        Assert.True(w.eq(directW).all().item<bool>());
        CpuRandom.Normal_(w, 0, 0.02, a);
        directW.normal_(0, 0.02, b);
        Assert.True(w.eq(directW).all().item<bool>());

        using var labels = CpuRandom.RandInt(10, [32], CPU, a);
        Assert.Equal(ScalarType.Int64, labels.dtype);
        Assert.InRange(labels.min().item<long>(), 0, 9);
        Assert.InRange(labels.max().item<long>(), 0, 9);
    }
}

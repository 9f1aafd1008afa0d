using System.Globalization;
using Livt.Benchmarking;
using Livt.Tests.Configuration;

namespace Livt.Tests.Benchmarking;

public class GpuPeaksTests
{
    [Theory]
    [InlineData("NVIDIA H200", "H200 SXM", 67, 989.5)]
    [InlineData("NVIDIA H200 NVL", "H200 NVL", 60, 835.5)]
    [InlineData("NVIDIA H100 80GB HBM3", "H100 SXM", 67, 989.5)]
    [InlineData("NVIDIA H100 PCIe", "H100 PCIe", 51, 756.5)]
    [InlineData("NVIDIA H100 NVL", "H100 NVL", 60, 835.5)]
    [InlineData("NVIDIA A100-SXM4-80GB", "A100", 19.5, 312)]
    [InlineData("NVIDIA A100 80GB PCIe", "A100", 19.5, 312)]
    [InlineData("NVIDIA L40S", "L40S", 91.6, 362.05)]
    [InlineData("NVIDIA L40", "L40", 90.5, 181.05)]
    [InlineData("NVIDIA L4", "L4", 30.3, 121)]
    [InlineData("NVIDIA A10", "A10", 31.2, 125)]
    [InlineData("NVIDIA GeForce RTX 4090", "GeForce RTX 4090", 82.6, 165.2)]
    public void TheDriversNameFindsTheDatasheetsDensePeaks(string name, string gpu, double fp32Tflops, double bf16Tflops)
    {
        var peak = GpuPeaks.For(name)!;
        Assert.Equal(gpu, peak.Gpu);
        Assert.Equal(fp32Tflops * 1000, peak.Gflops(bf16: false), 6);
        Assert.Equal(bf16Tflops * 1000, peak.Gflops(bf16: true), 6);
        Assert.Matches("NVIDIA .*(datasheet|whitepaper)", peak.Basis(true));
    }

    [Fact]
    public void ThePerformancePageListsTheTableAsItIs()
    {
        var page = File.ReadAllText(Path.Combine(RunSpecTests.RepoRoot(), "docs", "PERFORMANCE.md")).Replace("\r\n", "\n");
        int start = page.IndexOf("### Dense peaks by GPU", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/PERFORMANCE.md has no section 'Dense peaks by GPU'");
        var rows = page[start..].Split('\n').Skip(1).TakeWhile(l => !l.StartsWith('#'))
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| GPU", StringComparison.Ordinal)).ToList();
        string F(double? t) => t is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "—";
        Assert.Equal(GpuPeaks.Known.Select(p => $"| {p.Gpu} | {F(p.Fp32)} | {F(p.Tf32)} | {F(p.Bf16)} | "), rows.Select(r => r[..(r.LastIndexOf(" | ", StringComparison.Ordinal) + 3)]));
    }

    [Fact]
    public void VoltaHasNoBf16PeakAndAnUnknownGpuNone()
    {
        var v100 = GpuPeaks.For("Tesla V100-SXM2-32GB")!;
        Assert.Equal(15_700, v100.Gflops(bf16: false), 6);
        Assert.True(double.IsNaN(v100.Gflops(bf16: true)));
        Assert.Contains("no bf16 tensor cores", v100.Basis(bf16: true));
        Assert.Equal("V100S PCIe", GpuPeaks.For("Tesla V100S-PCIE-32GB")!.Gpu);
        Assert.Null(GpuPeaks.For("NVIDIA A10G"));
        Assert.Null(GpuPeaks.For("NVIDIA GH200 480GB"));
    }
}

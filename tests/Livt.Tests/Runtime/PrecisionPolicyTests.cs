using Livt.Runtime;

namespace Livt.Tests.Runtime;

public class PrecisionPolicyTests
{
    [Theory]
    [InlineData("amd-epyc-zen5-avx512bf16", "bf16", "bf16: CPU has avx512_bf16")]
    [InlineData("intel-xeon-sapphire-rapids-amx", "bf16", "bf16: CPU has amx_bf16")]
    [InlineData("amd-epyc-zen2-avx2", "fp32", "fp32: AVX2-only CPU (no amx_bf16 or avx512_bf16), bf16 would be emulated (~30× slower)")]
    [InlineData("arm-neoverse-n1", "fp32", "fp32: CPU reports neither amx_bf16 nor avx512_bf16, bf16 would be emulated (many times slower)")]
    public void AutoUsesBf16OnlyWhereTheCpuHasItNatively(string cpuinfo, string precision, string reason)
    {
        var choice = PrecisionPolicy.Resolve("auto", CpuFeaturesTests.Fixture(cpuinfo));
        Assert.Equal("auto", choice.Requested);
        Assert.Equal(precision, choice.Precision);
        Assert.Equal(reason, choice.Reason);
    }

    [Fact]
    public void Avx512WithoutBf16IsFp32()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "cpuinfo", "amd-epyc-zen5-avx512bf16.txt"))
            .Replace(" avx512_bf16", "");
        var choice = PrecisionPolicy.Resolve("auto", CpuFeatures.Parse(text));
        Assert.Equal("fp32", choice.Precision);
        Assert.StartsWith("fp32: AVX-512-only CPU", choice.Reason);
    }

    [Fact]
    public void ExplicitChoicesAreKeptAndSayWhenBf16IsEmulated()
    {
        var avx2 = CpuFeaturesTests.Fixture("amd-epyc-zen2-avx2");
        Assert.Equal(new PrecisionChoice("fp32", "fp32", "fp32: requested"), PrecisionPolicy.Resolve("FP32", CpuFeaturesTests.Fixture("amd-epyc-zen5-avx512bf16")));
        var forced = PrecisionPolicy.Resolve("bf16", avx2);
        Assert.True(forced.IsBf16);
        Assert.Contains("requested, but AVX2-only CPU", forced.Reason);
        var invalid = Assert.Throws<LivtException>(() => PrecisionPolicy.Resolve("fp16", avx2));
        Assert.Equal("--precision fp16: expected auto, fp32, bf16", invalid.Message);
    }

    [Theory]
    [InlineData(8, 0, "bf16", "bf16: CUDA device of compute capability 8.0 (≥ 8.0)")]
    [InlineData(9, 0, "bf16", "bf16: CUDA device of compute capability 9.0 (≥ 8.0)")]
    [InlineData(7, 5, "fp32", "fp32: CUDA device of compute capability 7.5 has no native bf16 (needs ≥ 8.0)")]
    public void CudaNeedsComputeCapabilityEight(int major, int minor, string precision, string reason)
    {
        var choice = PrecisionPolicy.Resolve("auto", CpuFeaturesTests.Fixture("amd-epyc-zen2-avx2"), (major, minor), cuda: true);
        Assert.Equal((precision, reason), (choice.Precision, choice.Reason));
    }

    [Fact]
    public void CudaWithUnknownCapabilityStaysFp32()
    {
        var choice = PrecisionPolicy.Resolve("auto", CpuFeaturesTests.Fixture("amd-epyc-zen5-avx512bf16"), null, cuda: true);
        Assert.Equal("fp32", choice.Precision);
    }
}

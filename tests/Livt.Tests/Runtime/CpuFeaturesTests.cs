using Livt.Runtime;

namespace Livt.Tests.Runtime;

public class CpuFeaturesTests
{
    internal static CpuFeatures Fixture(string name) =>
        CpuFeatures.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "cpuinfo", name + ".txt")));

    [Fact]
    public void ReadsFlagsModelClockAndCoresOfAnAvx512Bf16Vm()
    {
        var cpu = Fixture("amd-epyc-zen5-avx512bf16");
        Assert.Equal("AMD EPYC", cpu.ModelName);
        Assert.Equal("AuthenticAMD", cpu.Vendor);
        Assert.Equal(26, cpu.Family);
        Assert.Equal(2, cpu.Cores);
        Assert.Equal(2096.014, cpu.Mhz, 3);
        Assert.True(cpu.Has("avx512_bf16"));
        Assert.False(cpu.Has("amx_bf16"));
        Assert.Equal("avx512_bf16", cpu.NativeBf16Flag);
        Assert.Equal("AVX-512", cpu.VectorIsa);
        Assert.Contains("avx512_bf16", cpu.ComputeFlags);
        Assert.DoesNotContain("sse2", cpu.ComputeFlags);
    }

    [Fact]
    public void PeakCountsCoresClockFmaUnitsLanesAndTwoFlopsPerFma()
    {
        // Zen 5: two 512-bit FMA units: 2 × 16 × 2 = 64 fp32 FLOP a cycle, twice that with avx512_bf16.
        var zen5 = Fixture("amd-epyc-zen5-avx512bf16");
        Assert.Equal(64, zen5.FlopsPerCycle(bf16: false));
        Assert.Equal(128, zen5.FlopsPerCycle(bf16: true));
        Assert.Equal(2 * 2.096014 * 64, zen5.PeakGflops(bf16: false), 6);
        Assert.Equal("2 cores × 2096 MHz × 2 FMA units × 16 fp32 lanes × 2 × 2 (avx512_bf16 pairs)", zen5.PeakBasis(bf16: true));

        // Zen 2, AVX2: two 256-bit FMA units, 32 FLOP a cycle; bf16 is emulated, so no faster.
        var zen2 = Fixture("amd-epyc-zen2-avx2");
        Assert.Equal(32, zen2.FlopsPerCycle(bf16: false));
        Assert.Equal(32, zen2.FlopsPerCycle(bf16: true));
        Assert.Equal(2 * 2.249998 * 32, zen2.PeakGflops(bf16: false), 6);

        // Sapphire Rapids: AMX tiles for bf16.
        var spr = Fixture("intel-xeon-sapphire-rapids-amx");
        Assert.Equal(4, spr.Cores);
        Assert.Equal(64, spr.FlopsPerCycle(bf16: false));
        Assert.Equal(1024, spr.FlopsPerCycle(bf16: true));
        Assert.Equal("amx_bf16", spr.NativeBf16Flag);
    }

    [Fact]
    public void ArmTextHasFeaturesButNoClockAndNoX86Bf16()
    {
        var arm = Fixture("arm-neoverse-n1");
        Assert.Equal(4, arm.Cores);
        Assert.Equal("0xd0c", arm.ModelName);
        Assert.True(arm.Has("asimd"));
        Assert.Null(arm.NativeBf16Flag);
        Assert.Equal("NEON", arm.VectorIsa);
        Assert.True(double.IsNaN(arm.PeakGflops(bf16: false)));
    }

    [Fact]
    public void EmptyTextMeansNoFlagsAndAnOverridableCoreCount()
    {
        var none = CpuFeatures.Parse("", cores: 3);
        Assert.Equal(3, none.Cores);
        Assert.Empty(none.Flags);
        Assert.Equal("none", none.VectorIsa);
    }
}

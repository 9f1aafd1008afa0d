using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Livt.Runtime;

namespace Livt.Cli;

/// <summary><c>livt doctor</c>: the libtorch loaded, CUDA and the devices, the CPU.</summary>
internal static class DoctorCommand
{
    public static Command Doctor()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("doctor", "What Livt runs on: the libtorch loaded (path, version, CUDA build; LIVT_LIBTORCH chooses another), " +
                                            "whether CUDA works, the GPUs the driver shows, the CPU.") { json };
        command.SetAction(parse =>
        {
            var report = RuntimeReport.Collect();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                    WriteIndented = true }));
                return 0;
            }
            var l = report.LibTorch;
            Console.WriteLine($"livt {report.Livt} on .NET {report.Dotnet}, TorchSharp {report.TorchSharp} (built for libtorch {report.LibTorchBuiltFor})");
            Console.WriteLine($"libtorch {l.Version ?? "(version unknown)"}{(l.Cuda is null ? ", CPU only" : $", CUDA {l.Cuda}")}: {l.Directory} ({l.Source})");
            if (l.Copies > 1) Console.WriteLine($"  warning: {l.Copies} copies of libtorch_cpu.so are loaded; set {LibTorch.Variable} before anything " +
                "uses TorchSharp");
            Console.WriteLine(report.CudaAvailable
                ? $"CUDA: available, {report.CudaDeviceCount} device(s), cuDNN {(report.CudnnAvailable == true ? "available" : "not available")}"
                : $"CUDA: not available: {report.CudaProblem}");
            if (report.DriverCuda is not null)
                Console.WriteLine($"NVIDIA driver {report.Driver ?? "(version unknown)"}, supports CUDA up to {report.DriverCuda}");
            foreach (var d in report.Devices)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  cuda:{d.Index}  {d.Name}, {d.MemoryGib:F1} GiB, compute capability {d.ComputeCapability}"));
            Console.WriteLine($"CPU: {report.CpuModel}, {report.CpuCores} cores, {string.Join(' ', report.CpuFlags)}; libtorch threads {report.Threads}");
            return 0;
        });
        return command;
    }
}

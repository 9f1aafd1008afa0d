using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Inference;
using Livt.Interop;
using Livt.Models;
using Livt.Tests.Data;
using Livt.Tests.Models;
using Livt.Training;
using TorchSharp;

namespace Livt.Tests.Training;

/// <summary>A real Fashion-MNIST slice and a ResNet-32 teacher trained on it for a few steps with SAM, shared by
/// the DeiT-LT tests.</summary>
public sealed class DistillationSlice : IDisposable
{
    public DistillationSlice()
    {
        Root = TinyRuns.TempDir();
        DataDir = Path.Combine(Root, "data");
        FashionSlice.Write(DataDir, train: 60, test: 20);
        var o = Overrides(Path.Combine(Root, "teacher"));
        o["model"] = "resnet32";
        o["input_size"] = 20;
        o["loss"] = "bal-ce";
        o["sam_rho"] = 0.05;
        o["epochs"] = 1;
        Teacher = new FinetuneRunner(ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o)).Run().RunDir;
    }

    public string Root { get; }
    public string DataDir { get; }
    /// <summary>The teacher's run folder.</summary>
    public string Teacher { get; }

    public JsonObject Overrides(string outDir)
    {
        var o = TinyRuns.Overrides(outDir, epochs: 2, steps: 4);
        o["data_dir"] = DataDir;
        o["imbalance"] = 10;
        o["batch_size"] = 16;
        o["lr"] = 1e-3;
        return o;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>DeiT-LT end to end on the slice: the teacher labels the student's batches, DRW and the Mixup stop at
/// the DRW epoch, three heads reported, resume bit-exact across the phase change, export, an MGP encoder as start.</summary>
public sealed class DistillationTrainingTests(DistillationSlice slice) : IClassFixture<DistillationSlice>
{
    private TrainConfig Student(string name, JsonObject? extra = null)
    {
        var o = slice.Overrides(Path.Combine(slice.Root, name));
        o["distill_from"] = slice.Teacher;
        o["loss"] = "ce";
        o["mixup"] = 0.8;
        o["cutmix"] = 1.0;
        o["smoothing"] = 0.1;
        o["drw_epoch"] = 1;
        o["no_mixup_drw"] = true;
        foreach (var (k, v) in extra ?? []) o[k] = v?.DeepClone();
        return ConfigResolver.Resolve("finetune", ConfigResolver.ReadRecipe(QuickStart.Recipe), o);
    }

    [Fact]
    public void DistilsReportsThreeHeadsResumesBitExactAndExports()
    {
        var messages = new List<string>();
        var whole = new FinetuneRunner(Student("whole"), new Recorder(messages)).Run();
        Assert.Contains(messages, m => m.Contains("distillation head on the teacher", StringComparison.Ordinal) && m.Contains("resized bicubically", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("DRW from epoch 2", StringComparison.Ordinal));
        var report = JsonNode.Parse(File.ReadAllText(whole.ReportPath!))!;
        var notes = report["notes"]!.AsArray().Select(n => (string)n!).ToList();
        Assert.Contains(notes, n => n.StartsWith("Class-token head", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("Distillation head", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("Average of the two", StringComparison.Ordinal));
        var (model, meta) = ModelCheckpoint.LoadModel(whole.RunDir, torch.CPU);
        using (model) Assert.IsType<DistilledVisionTransformer>(model);
        Assert.Equal(DistilledVisionTransformer.FileKind, meta.Kind);

        // Killed in the DRW epoch (no Mixup, re-weighted distillation), resumed from the epoch-1 checkpoint.
        var cut = Student("cut");
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(cut, new ResumeTests.KillAt(epoch: 1, step: 2)).Run());
        var resumed = new FinetuneRunner(ConfigResolver.ReadResolved(Path.Combine(slice.Root, "cut", "config.json"))).Run();
        using var a = SafeTensors.Read(whole.ModelPath);
        using var b = SafeTensors.Read(resumed.ModelPath);
        foreach (var (name, t) in a.Tensors)
            Assert.True(TensorAssert.BitEqual(t, b.Tensors[name]), $"{name} differs after resume");

        var onnx = OnnxExport.Run(whole.RunDir, Path.Combine(slice.Root, "deit.onnx"));
        Assert.True(onnx.MaxAbsDiff < 1e-3, $"ONNX Runtime differs by {onnx.MaxAbsDiff}");
    }

    [Fact]
    public void StartsFromAnMgpEncoder()
    {
        var pretrain = slice.Overrides(Path.Combine(slice.Root, "mgp"));
        pretrain["epochs"] = 1;
        pretrain["steps_per_epoch"] = 2;
        var mgp = new PretrainRunner(ConfigResolver.Resolve("pretrain", ConfigResolver.ReadRecipe(QuickStart.Recipe), pretrain)).Run();
        var messages = new List<string>();
        var run = new FinetuneRunner(Student("from-mgp", new JsonObject { ["init"] = mgp.RunDir, ["epochs"] = 1, ["drw_epoch"] = 0 }), new Recorder(messages)).Run();
        Assert.Contains(messages, m => m.Contains($"encoder from {Path.Combine(mgp.RunDir, ModelCheckpoint.FileName)}", StringComparison.Ordinal));
        Assert.True(File.Exists(run.ModelPath));
    }

    [Fact]
    public void SamStepsTheBf16Student()
    {
        // One epoch in DRW from the start; the same seed, batches and teacher labels with and without SAM.
        var settings = new JsonObject { ["precision"] = "bf16", ["epochs"] = 1, ["drw_epoch"] = 0 };
        var plain = new FinetuneRunner(Student("bf16-plain", settings)).Run();
        var messages = new List<string>();
        settings["sam_rho"] = 0.05;
        var sam = new FinetuneRunner(Student("bf16-sam", settings), new Recorder(messages)).Run();
        Assert.Contains(messages, m => m.Contains("SAM", StringComparison.Ordinal) && m.Contains("bf16", StringComparison.Ordinal));
        Assert.True(double.IsFinite(sam.FinalTrainLoss));
        using var a = SafeTensors.Read(plain.ModelPath);
        using var b = SafeTensors.Read(sam.ModelPath);
        Assert.False(TensorAssert.BitEqual(a.Tensors["blocks.0.attn.qkv.weight"], b.Tensors["blocks.0.attn.qkv.weight"]), "SAM left the step unchanged");
    }

    [Fact]
    public void RefusesWhatDoesNotFit()
    {
        Assert.Contains("is a CNN", Assert.Throws<LivtException>(() => Student("cnn", new JsonObject { ["model"] = "resnet32" })).Message);
        Assert.Contains("--no-mixup-drw", Assert.Throws<LivtException>(() => Student("nodrw", new JsonObject { ["drw_epoch"] = null })).Message);
        Assert.Contains("accum-iter", Assert.Throws<LivtException>(() => Student("sam", new JsonObject { ["sam_rho"] = 0.1, ["accum_iter"] = 2 })).Message);
        Assert.Contains("--loss iif", Assert.Throws<LivtException>(() => Student("iif", new JsonObject { ["loss"] = "iif" })).Message);
    }

    private sealed class Recorder(List<string> messages) : Livt.Engine.ITrainingObserver
    {
        public void StageStarted(string stage, int startEpoch, int epochs, int stepsPerEpoch, string runDir) { }
        public void StepCompleted(Livt.Engine.StepProgress step) { }
        public void EpochCompleted(Livt.Engine.EpochSummary epoch) { }
        public void Message(string text) => messages.Add(text);
    }
}

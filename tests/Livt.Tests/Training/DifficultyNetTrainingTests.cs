using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Training;

namespace Livt.Tests.Training;

/// <summary><c>finetune --difficulty-net</c>: the meta-learned class weights move away from uniform, are
/// logged every epoch and end in the report; a killed run resumes exactly.</summary>
public class DifficultyNetTrainingTests
{
    [Theory]
    [InlineData(DifficultyMetaScope.Model)]
    [InlineData(DifficultyMetaScope.Head)]
    public void RunLearnsClassWeightsLogsThemAndReportsTheFinalOnes(DifficultyMetaScope scope)
    {
        var config = TinyRuns.Finetune(TinyRuns.TempDir(), null, epochs: 2, steps: 3) with
        {
            DifficultyNet = true, Loss = "ce", ValFraction = 0.1, DifficultyMeta = scope,
        };
        var run = new FinetuneRunner(config).Run();

        var lines = File.ReadAllLines(Path.Combine(run.RunDir, "log.jsonl")).Select(l => JsonNode.Parse(l)!)
            .Where(o => (string?)o["kind"] == "difficulty").ToArray();
        Assert.Equal(2, lines.Length);
        double[] Weights(JsonNode o) => Enumerable.Range(0, 10).Select(c => (double)o[$"w{c}"]!).ToArray();
        var first = Weights(lines[0]);
        var last = Weights(lines[1]);
        Assert.Equal(10, first.Sum(), 3); // mean 1
        Assert.True(last.Max() - last.Min() > 1e-3, "the class weights stayed uniform");
        Assert.True(first.Zip(last).Any(p => Math.Abs(p.First - p.Second) > 1e-6), "the net did not change between epochs");

        var notes = JsonNode.Parse(File.ReadAllText(run.ReportPath!))!["notes"]!.AsArray().Select(n => (string)n!).ToArray();
        var note = Assert.Single(notes, n => n.StartsWith("Difficulty-Net class weights", StringComparison.Ordinal));
        Assert.Contains(last[0].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), note);
    }

    [Fact]
    public void RunKilledMidEpochResumesToTheSameModelAndWeights()
    {
        // The net (drawn from the run seed), its Adam state and the accuracies are in every checkpoint: a run
        // killed in its second epoch and resumed ends bit-identical to one that was never stopped. (The head
        // scope keeps the three runs cheap; the state saved is the same for both scopes.)
        var root = TinyRuns.TempDir();
        TrainConfig Config(string name) => TinyRuns.Finetune(Path.Combine(root, name), null, epochs: 2, steps: 3) with
        {
            DifficultyNet = true, Loss = "ce", ValFraction = 0.1, SaveEverySteps = 1, DifficultyMeta = DifficultyMetaScope.Head,
        };
        var whole = new FinetuneRunner(Config("whole")).Run();
        Assert.Throws<OperationCanceledException>(() => new FinetuneRunner(Config("cut"), new ResumeTests.KillAt(epoch: 1, step: 2)).Run());
        var resumed = new FinetuneRunner(ConfigResolver.ReadResolved(Path.Combine(root, "cut", "config.json"))).Run();

        using var a = SafeTensors.Read(whole.ModelPath);
        using var b = SafeTensors.Read(resumed.ModelPath);
        foreach (var (name, t) in a.Tensors)
            Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{name} differs after resume");
        string Note(RunResult r) => JsonNode.Parse(File.ReadAllText(r.ReportPath!))!["notes"]!.AsArray().Select(n => (string)n!)
            .Single(n => n.StartsWith("Difficulty-Net class weights", StringComparison.Ordinal));
        Assert.Equal(Note(whole), Note(resumed));
    }

    [Fact]
    public void WithoutAValidationSplitTheRunIsRefused()
    {
        var config = TinyRuns.Finetune(TinyRuns.TempDir(), null) with { DifficultyNet = true, Loss = "ce" };
        var e = Assert.Throws<LivtException>(() => new FinetuneRunner(config));
        Assert.Contains("--val-fraction", e.Message);
    }
}

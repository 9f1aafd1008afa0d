using System.Text.Json.Nodes;
using Livt.Training;

namespace Livt.Tests.Training;

/// <summary><c>finetune --difficulty-net</c>: the meta-learned class weights move away from uniform, are
/// logged every epoch and end in the report.</summary>
public class DifficultyNetTrainingTests
{
    [Fact]
    public void RunLearnsClassWeightsLogsThemAndReportsTheFinalOnes()
    {
        var config = TinyRuns.Finetune(TinyRuns.TempDir(), null, epochs: 2, steps: 3) with
        {
            DifficultyNet = true, Loss = "ce", ValFraction = 0.1,
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
    public void WithoutAValidationSplitTheRunIsRefused()
    {
        var config = TinyRuns.Finetune(TinyRuns.TempDir(), null) with { DifficultyNet = true, Loss = "ce" };
        var e = Assert.Throws<LivtException>(() => new FinetuneRunner(config));
        Assert.Contains("--val-fraction", e.Message);
    }
}

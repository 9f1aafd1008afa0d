using System.CommandLine;
using Livt.Cli;
using Livt.Configuration;
using Livt.Tests.Training;

namespace Livt.Tests.Cli;

/// <summary>The command line as argparse users expect it: official spellings, the last of a repeated
/// flag, and one error line that points at the help.</summary>
public class ArgumentsTests
{
    private static readonly RootCommand Root = new() { TrainCommands.Finetune(), RetrainHeadCommands.RetrainHead() };

    private static Arguments.Parsed Parse(params string[] args) => Arguments.Parse(Root, args);

    [Fact]
    public void OfficialSpellingsBecomeLivtFlags()
    {
        var parsed = Parse("finetune", "--data_path", "/data/ImageNet-LT", "--cls_token", "--batch_size", "64", "--finetune", "mae.pth",
            "--output_dir", "runs/x", "--num_workers=4", "--adamW2", "0.999", "--dist_eval", "--remode", "pixel", "--mixup_mode", "batch", "-b", "32");
        Assert.Null(parsed.Error);
        var r = parsed.Result;
        Assert.Equal("/data/ImageNet-LT", r.GetValue<string>("--data-dir"));
        Assert.Equal("token", r.GetValue<string>("--global-pool"));
        Assert.Equal(32, r.GetValue<int>("--batch-size"));
        Assert.Equal(("mae.pth", "runs/x"), (r.GetValue<string>("--init"), r.GetValue<string>("--out")));
        Assert.Equal((4, 0.999), (r.GetValue<int>("--workers"), r.GetValue<double>("--beta2")));
    }

    [Fact]
    public void ARepeatedFlagKeepsItsLastValue()
    {
        var parsed = Parse("finetune", "--batch-size", "1", "--lr", "0.1", "--batch-size", "2", "--hflip", "false", "--mean", "0.1", "0.2",
            "--hflip", "--mean", "0.3", "--lr=0.2");
        Assert.Null(parsed.Error);
        var r = parsed.Result;
        Assert.Equal((2, 0.2, true), (r.GetValue<int>("--batch-size"), r.GetValue<double>("--lr"), r.GetValue<bool>("--hflip")));
        Assert.Equal([0.3], r.GetValue<double[]>("--mean")!);
        Assert.Equal("class-balanced", Parse("retrain-head", "--init", "x", "--method", "crt", "--sampler", "instance", "--sampler", "class-balanced")
            .Result.GetValue<string>("--sampler"));
    }

    [Fact]
    public void AnOfficialFlagLivtDoesNotHaveIsRefusedWithWhatToDo()
    {
        var e = Parse("finetune", "--nb_classes", "1000").Error!;
        Assert.Contains("--nb_classes", e);
        Assert.Contains("dataset", e);
        Assert.Contains("--remode pixel", Parse("finetune", "--remode", "const").Error!);
        Assert.Contains("--blr", Parse("finetune", "--lr-base", "0.001").Error!);
        Assert.Equal("livt finetune", Parse("finetune", "--eval").CommandPath);
    }

    [Fact]
    public void AMistypedFlagIsOneLineThatNamesItAndTheNearestFlag()
    {
        var parsed = Parse("finetune", "--batchsize", "3");
        Assert.Contains("'--batchsize'", parsed.Error);
        Assert.Contains("Did you mean --batch-size?", parsed.Error);
        Assert.DoesNotContain("'3'", parsed.Error);
        Assert.Contains("--method", Parse("retrain-head", "--init", "x").Error);
    }

    [Fact]
    public void TheCommandPrintsTheErrorAndWhereTheHelpIsNotTheHelp()
    {
        var (code, stdout, stderr) = CliErrorTests.Livt("finetune", "--bogus", "1");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("--bogus", lines[0]);
        Assert.Equal("see `livt finetune --help`", lines[1]);

        // The last --batch-size is the one the run is checked with (0 fails before any data is read).
        (code, _, stderr) = CliErrorTests.Livt("finetune", "--batch_size", "8", "--batch-size", "0", "--out", TinyRuns.TempDir());
        Assert.Equal(1, code);
        Assert.StartsWith("error: --batch-size 0", stderr);
    }

    [Fact]
    public void EveryOfficialFlagIsListedOnceAndNoneShadowsALivtFlag()
    {
        var livt = Arguments.OptionsByName(TrainCommands.Finetune()).Keys.ToHashSet();
        Assert.Equal(OfficialFlags.All.Count, OfficialFlags.All.Select(f => OfficialFlags.Dashed(f.Flag)).Distinct().Count());
        foreach (var f in OfficialFlags.All)
        {
            Assert.False(livt.Contains(f.Flag), $"{f.Flag} is a livt flag already");
            if (f.Livt is { Length: > 0 } target) Assert.StartsWith("-", target);
            Assert.False(string.IsNullOrWhiteSpace(f.Note));
        }
    }
}

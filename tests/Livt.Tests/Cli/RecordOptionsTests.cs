using System.CommandLine;
using Livt.Benchmarking;
using Livt.Cli;
using Livt.Decoupling;
using Livt.Inference;
using Livt.Interop;

namespace Livt.Tests.Cli;

/// <summary>The flags generated from a command's options record: nothing given is the record's defaults, and
/// each given flag lands in its property, nested groups' too.</summary>
public class RecordOptionsTests
{
    private static (T Options, IReadOnlyList<string> Given) Bind<T>(params string[] args) where T : class
    {
        var options = new RecordOptions<T>();
        var command = new RootCommand();
        options.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return (options.Bind(parse), options.Given(parse).ToArray());
    }

    [Fact]
    public void NothingGivenIsTheRecordsDefaults()
    {
        var (retrain, given) = Bind<RetrainHeadOptions>("--init", "run", "--method", "crt");
        Assert.Equal(new RetrainHeadOptions { Init = "run", Method = "crt" }, retrain);
        Assert.Equal(["--init", "--method"], given);
        Assert.Equal(new EvaluateOptions { Checkpoint = "m" }, Bind<EvaluateOptions>().Options with { Checkpoint = "m" });
        Assert.Equal(new PredictOptions(), Bind<PredictOptions>().Options);
        Assert.Equal(new ExportOptions { Onnx = "m.onnx" }, Bind<ExportOptions>("--onnx", "m.onnx").Options);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("pretrain")]
    [InlineData("infer")]
    [InlineData("data")]
    public void ABenchModeOffersItsOwnFlagsWithItsOwnDefaults(string mode)
    {
        var options = new RecordOptions<BenchOptions>(BenchOptions.ForMode(mode), s => BenchOptions.Offers(mode, s.Key));
        var command = new RootCommand();
        options.AddTo(command);
        var flags = options.All.Select(o => o.Setting.Flag).ToArray();
        Assert.Equal(mode == "infer", flags.Contains("--engine"));
        Assert.Equal(mode == "pretrain", flags.Contains("--method"));
        var nothing = options.Bind(command.Parse([]));
        Assert.Equal(BenchOptions.ForMode(mode) with { Settings = nothing.Settings }, nothing);
        Assert.Equal(mode == "data" ? "fashion-mnist-lt" : "synthetic", nothing.Source);
        var given = options.Bind(command.Parse(["--batch-size", "64", "--image-size", "32", "--source", "imagefolder-224", "--threads", "1"]));
        Assert.Equal((mode, 64, 32, "imagefolder-224", 1, 200), (given.Mode, given.BatchSize, given.ImageSize, given.Source, given.Threads, given.Steps));
    }

    [Fact]
    public void GivenFlagsLandInTheirProperties()
    {
        var (o, given) = Bind<EvaluateOptions>("--dataset", "imagenet-lt", "--imbalance", "50", "--tau", "auto", "--test-time-aggregation",
            "--aggregation-lr", "0.5", "--split-seed", "3", "--num-heads", "6", "--mean", "0.1,0.2,0.3", "--std", "0.2", "0.3", "0.4",
            "--device", "cuda:1", "--workers", "4");
        Assert.Null(o.Tau);
        Assert.Equal((50.0, 3, "cuda:1", 4), (o.Imbalance, o.SplitSeed, o.Device, o.Workers));
        Assert.Equal(new AggregationOptions { Lr = 0.5, Seed = 3 }, o.AggregationToRun());
        Assert.Equal(50, o.DatasetOverride()!.Imbalance);
        Assert.Equal(6, o.Raw.NumHeads);
        Assert.Equal([0.1f, 0.2f, 0.3f], o.Raw.Mean!);
        Assert.Equal([0.2f, 0.3f, 0.4f], o.Raw.Std!);
        // A benchmark named by --dataset normalises as LiVT trains it, unless --normalization says otherwise.
        Assert.Equal("imagenet-lt", o.RawCheckpoint().Normalization);
        Assert.Contains("--num-heads", given);
        Assert.Equal(2.5, Bind<EvaluateOptions>("--tau", "2.5").Options.Tau);
        Assert.Null(Bind<EvaluateOptions>().Options.AggregationToRun());

        var (retrain, _) = Bind<RetrainHeadOptions>("--init", "run", "--method", "tau-norm", "--tau", "0.7", "--keep-bias", "--epochs", "3");
        Assert.Equal((0.7, true, 3), (retrain.Tau, retrain.KeepBias, retrain.Epochs));
        Assert.Equal(new RawCheckpointOptions { Normalization = "inat18" }, Bind<PredictOptions>("--normalization", "inat18").Options.Raw);
    }

    [Fact]
    public void ANumberWithANullWordNamesTheFlagWhenItIsNeither()
    {
        var e = Assert.Throws<LivtException>(() => Bind<EvaluateOptions>("--tau", "x"));
        Assert.Equal("--tau x: expected a number or auto", e.Message);
    }

    [Fact]
    public void TrainingsNullWordIsAJsonNull()
    {
        var options = new TrainingOptions(finetune: true);
        var command = new RootCommand();
        options.AddTo(command);
        var overrides = options.Overrides(command.Parse(["--aa", "None", "--epochs", "3"]));
        Assert.True(overrides.ContainsKey("rand_augment"));
        Assert.Null(overrides["rand_augment"]);
        Assert.Equal(3, (int)overrides["epochs"]!);
        Assert.Equal(2, overrides.Count);
    }

    [Fact]
    public void HelpShowsTheRecordsDefaults()
    {
        var options = new RecordOptions<RetrainHeadOptions>().All.ToDictionary(o => o.Setting.Flag, o => o.Option);
        Assert.Equal("auto", options["--tau"].GetDefaultValue());
        Assert.Equal(0.2, options["--lr"].GetDefaultValue());
        Assert.False(options["--epochs"].HasDefaultValue);
        Assert.True(options["--init"].Required);
    }

    [Theory]
    [InlineData("class_aware", "class-balanced")]
    [InlineData("Instance", "instance")]
    [InlineData("sqrt", "sqrt")]
    public void RetrainHeadReadsFinetunesSamplerWords(string given, string read) =>
        Assert.Equal(read, new RetrainHeadOptions { Init = "run", Sampler = given }.WithSamplerWord().Sampler);
}

using System.Text.Json.Nodes;
using Livt.Configuration;
using Livt.Models;
using Livt.Tests.Data;
using Livt.Tests.Training;
using Livt.Training;

namespace Livt.Tests.Configuration;

/// <summary>
/// Every shipped recipe resolves and runs two steps of both stages (fine-tuning from the MGP run,
/// at the recipe's own input sizes, augmentation, loss and sampler) on a tiny slice: the recipe's
/// ViT narrowed to 32 wide and 1 block, its dataset replaced by a few synthetic images of the same
/// kind; a CNN recipe fine-tunes only, a DeiT-LT recipe distils from a two-step ResNet-32. No shipped
/// recipe can then crash on its first epoch.
/// </summary>
public class RecipeSmokeTests
{
    public static TheoryData<string> Recipes() => new(ConfigResolver.BuiltInRecipes);

    [Theory]
    [MemberData(nameof(Recipes))]
    public void RecipeRunsTwoStepsOfEachStage(string name)
    {
        var recipe = ConfigResolver.ReadRecipe(name);
        var root = TinyRuns.TempDir();
        var data = TinyData((string?)recipe["common"]?["dataset"] ?? new TrainConfig().Dataset, root);
        JsonObject Overrides(string stage) => new(data.Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())))
        {
            ["out"] = Path.Combine(root, stage), ["epochs"] = 1, ["warmup_epochs"] = 0, ["steps_per_epoch"] = 2, ["batch_size"] = 4,
            ["embed_dim"] = 32, ["depth"] = 1, ["num_heads"] = 2, ["decoder_embed_dim"] = 32, ["decoder_depth"] = 1, ["decoder_num_heads"] = 2,
            ["threads"] = 2, ["workers"] = 2,
        };
        var ft = Overrides("finetune");
        // A CNN recipe (a DeiT-LT teacher's) fine-tunes from scratch; a ViT recipe from its MGP run.
        if (!ModelPresets.IsCnn((string?)recipe["common"]?["model"] ?? ""))
        {
            var pre = new PretrainRunner(ConfigResolver.Resolve("pretrain", recipe, Overrides("pretrain"))).Run();
            Assert.True(double.IsFinite(pre.FinalTrainLoss));
            ft["init"] = pre.RunDir;
        }
        // A DeiT-LT recipe distils from a teacher: a ResNet-32 trained two steps on the same data, DRW from the start.
        if (recipe["finetune"]?["drw_epoch"] is not null && (string?)recipe["finetune"]?["loss"] != "ldam")
        {
            var teacher = Overrides("teacher");
            teacher["model"] = "resnet32";
            teacher["input_size"] = 32;
            var common = new JsonObject { ["common"] = recipe["common"]?.DeepClone() };
            ft["distill_from"] = new FinetuneRunner(ConfigResolver.Resolve("finetune", common, teacher)).Run().RunDir;
            ft["drw_epoch"] = 0;
        }
        var run = new FinetuneRunner(ConfigResolver.Resolve("finetune", recipe, ft)).Run();
        Assert.True(double.IsFinite(run.FinalTrainLoss), $"{name}: fine-tuning loss {run.FinalTrainLoss}");
        Assert.True(File.Exists(run.ReportPath));
    }

    /// <summary>Settings pointing the recipe's dataset at a tiny stand-in of the same kind.</summary>
    private static JsonObject TinyData(string dataset, string root)
    {
        switch (dataset)
        {
            case "fashion-mnist-lt":
                return [];
            case "cifar10-lt":
            case "cifar100-lt":
            {
                bool c100 = dataset == "cifar100-lt";
                int classes = c100 ? 100 : 10, perClass = 10;
                int[][] Labels(int count, int offset) => Enumerable.Range(offset, count).Select(i => c100 ? new[] { i % 20, i % classes } : new[] { i % classes }).ToArray();
                if (c100)
                {
                    DataFixtures.WriteCifar(Path.Combine(root, "train.bin"), Labels(classes * perClass, 0));
                    DataFixtures.WriteCifar(Path.Combine(root, "test.bin"), Labels(classes, 0));
                }
                else
                {
                    for (int b = 1; b <= 5; b++) DataFixtures.WriteCifar(Path.Combine(root, $"data_batch_{b}.bin"), Labels(classes * perClass / 5, b));
                    DataFixtures.WriteCifar(Path.Combine(root, "test_batch.bin"), Labels(classes, 0));
                }
                return new JsonObject { ["data_dir"] = root, ["imbalance"] = 10 };
            }
            default:
            {
                var lines = new Dictionary<string, List<string>> { ["train"] = [], ["val"] = [], ["test"] = [] };
                Directory.CreateDirectory(Path.Combine(root, "img"));
                int n = 0;
                foreach (var (split, count) in new[] { ("train", 12), ("val", 4), ("test", 4) })
                    for (int i = 0; i < count; i++, n++)
                    {
                        DataFixtures.WritePng(Path.Combine(root, "img", $"{n}.png"), 20, 12, (byte)(n * 11));
                        lines[split].Add($"img/{n}.png {i % 3}");
                    }
                foreach (var (split, l) in lines) File.WriteAllLines(Path.Combine(root, $"{split}.txt"), l);
                return new JsonObject
                {
                    ["data_dir"] = root, ["train_list"] = "train.txt", ["test_list"] = "test.txt", ["val_list"] = "val.txt",
                };
            }
        }
    }
}

using System.Text.Json.Nodes;
using Livt.Engine;
using Livt.Interop;
using Livt.Runtime;
using Livt.Tests.Models;
using Livt.Training.Pretraining;
using Livt.Training.Pretraining.Dcl;
using Livt.Training.Pretraining.MimCo;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Tests.Distributed;

/// <summary>
/// The pretraining methods over two real MPI processes (loopback, one thread each), against one process holding
/// the concatenated batch: MoCo v3's and BYOL's whole objectives (keys gathered, the heads' BatchNorm synchronised
/// with gradient), DCL's, DCLW's and MimCo's gathered negatives; and a short data-parallel MoCo v3 run whose
/// ranks keep identical weights.
/// </summary>
public class DataParallelPretrainingTests
{
    private static void AssertSucceeded(MpiRun.Result result) => Assert.True(result.ExitCode == 0, result.Output);

    [MpiFact]
    public void TwoRankPretrainingEqualsOneProcessOnTheConcatenatedBatch()
    {
        LivtRuntime.Initialize();
        var root = Training.TinyRuns.TempDir();
        AssertSucceeded(MpiRun.Worker("pretraining", root, 60));
        using var rank0 = SafeTensors.Read(Path.Combine(root, "rank0.safetensors"));
        using var rank1 = SafeTensors.Read(Path.Combine(root, "rank1.safetensors"));
        var ranks = new[] { rank0.Tensors, rank1.Tensors };
        using var scope = torch.NewDisposeScope();

        // With synchronised BatchNorm and gathered keys the ranks' mean loss and averaged gradients are the
        // one-process ones, and every rank's BatchNorm statistics are the whole batch's.
        using var generator = new Generator(3);
        foreach (var method in PretrainingBatch.Objectives)
        {
            var config = PretrainingBatch.Config(method);
            using var objective = PretrainingMethods.Get(method).Create(new PretrainingSetup(config, PretrainingBatch.Vit(config),
                PrecisionPolicy.Resolve("fp32", CPU), CPU, SingleProcessParallel.Instance, 4, NullTrainingObserver.Instance));
            using var views = PretrainingBatch.Views(MpiRun.Processes);
            var loss = objective.Loss(views, new StepContext(0, 0, 0, 0, generator));
            loss.backward();
            TensorAssert.Close(loss, (ranks[0][$"{method}.loss"] + ranks[1][$"{method}.loss"]) / 2, 1e-5, $"{method}: mean loss of the ranks");
            int compared = 0;
            var grads = objective.Model.named_parameters().Where(p => p.parameter.grad is not null).ToList();
            double largest = grads.Max(p => p.parameter.grad!.abs().max().item<float>());
            foreach (var (name, p) in grads)
            {
                var grad = p.grad!;
                // A shift right before a BatchNorm (the encoder's norm.bias under a bias-free Linear) is normalised
                // away: its gradient is rounding noise, which no tolerance compares.
                if (grad.abs().max().item<float>() < 1e-5 * largest) continue;
                TensorAssert.Close(grad, (ranks[0][$"{method}.grad.{name}"] + ranks[1][$"{method}.grad.{name}"]) / 2, 1e-4, $"{method}: averaged gradient of {name}");
                compared++;
            }
            Assert.True(compared > 10, $"{method}: only {compared} gradients");
            // Absolute: a BatchNorm after a bias-free Linear on batch-normalised features sees a mean of ~0.
            foreach (var (name, b) in objective.Model.named_buffers().Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal)))
                for (int r = 0; r < 2; r++)
                {
                    double gap = (b - ranks[r][$"{method}.buffer.{name}"]).abs().max().item<float>();
                    Assert.True(gap < 1e-5, $"{method}: rank {r}'s {name} is {gap:E2} away from one process's");
                }
        }

        // DCL's negatives cover the whole batch; other ranks' rows come without gradient, as concat_all_gather's.
        var (z1, z2) = PretrainingBatch.Features(MpiRun.Processes);
        foreach (var (name, sigma) in new[] { ("dcl", (double?)null), ("dclw", 0.5) })
        {
            var whole = DclLoss.OneWay(z1, z2, 0.1, sigma, null, 0) + DclLoss.OneWay(z2, z1, 0.1, sigma, null, 0);
            TensorAssert.Close(whole, (ranks[0][$"{name}.loss"] + ranks[1][$"{name}.loss"]) / 2, 1e-12, $"{name}: mean loss of the ranks");
            var positives = (z1 * z2).sum(1);
            for (int r = 0; r < 2; r++)
            {
                var a = PretrainingBatch.Rows(z1, r).detach().requires_grad_(true);
                var b = PretrainingBatch.Rows(z2, r).detach().requires_grad_(true);
                // The loss gathers its anchors' view, the other view, then (DCLW) the positives' similarities.
                var local = DclLoss.OneWay(a, b, 0.1, sigma, OtherRowsDetached(r, z1, z2, positives), r) +
                            DclLoss.OneWay(b, a, 0.1, sigma, OtherRowsDetached(r, z2, z1, positives), r);
                var grads = torch.autograd.grad([local], [a, b]);
                TensorAssert.Close(grads[0], ranks[r][$"{name}.grad.z1"], 1e-12, $"{name}: rank {r}'s gradient w.r.t. its view-1 rows");
                TensorAssert.Close(grads[1], ranks[r][$"{name}.grad.z2"], 1e-12, $"{name}: rank {r}'s gradient w.r.t. its view-2 rows");
            }
        }

        // MimCo's image level contrasts with the teacher's features of the whole batch, which carry no gradient:
        // a rank's gradient is the one-process gradient of its rows, times the number of ranks (each rank averages
        // over its own rows).
        var student = z1.detach().requires_grad_(true);
        var image = MimCoLoss.ImageLevel(student, z2, 0.2, null, 0);
        image.backward();
        TensorAssert.Close(image, (ranks[0]["mimco.loss"] + ranks[1]["mimco.loss"]) / 2, 1e-12, "mimco: mean loss of the ranks");
        for (int r = 0; r < 2; r++)
            TensorAssert.Close(PretrainingBatch.Rows(student.grad!, r) * MpiRun.Processes, ranks[r]["mimco.grad.student"], 1e-12, $"mimco: rank {r}'s gradient");
        Directory.Delete(root, recursive: true);
    }

    /// <summary>The gather a rank sees, in one process: the tensor it passes (its rows, with gradient) in its place,
    /// the other rank's rows of the same quantity of the whole batch detached. <paramref name="wholes"/> are those
    /// quantities in the order the loss gathers them.</summary>
    private static Func<Tensor, Tensor> OtherRowsDetached(int rank, params Tensor[] wholes)
    {
        int call = 0;
        return mine =>
        {
            var whole = wholes[call++];
            var other = rank == 0 ? whole[PretrainingBatch.PerRank..] : whole[..PretrainingBatch.PerRank];
            return rank == 0 ? torch.cat([mine, other.detach()]) : torch.cat([other.detach(), mine]);
        };
    }

    [MpiFact]
    public void TwoRankMocoV3RunKeepsTheRanksIdentical()
    {
        var root = Training.TinyRuns.TempDir();
        var data = Path.Combine(root, "data");
        Data.FashionSlice.Write(data, train: 40, test: 10);
        var settings = new JsonObject
        {
            ["data_dir"] = data, ["imbalance"] = 10, ["method"] = "moco-v3", ["ssl_hidden_dim"] = 32, ["ssl_proj_dim"] = 16,
            ["epochs"] = 2, ["steps_per_epoch"] = 2, ["warmup_epochs"] = 0.5, ["batch_size"] = 8,
            ["embed_dim"] = 32, ["depth"] = 2, ["num_heads"] = 2, ["threads"] = 1, ["workers"] = 1, ["seed"] = 3, ["precision"] = "fp32",
        };
        var overrides = Path.Combine(root, "overrides.json");
        File.WriteAllText(overrides, settings.ToJsonString());
        AssertSucceeded(MpiRun.Worker("pretrain", root, 60, overrides, "every-rank-writes"));
        foreach (var file in new[] { ModelCheckpoint.FileName, Path.Combine("checkpoints", "epoch-0002-step-000000", "weights.safetensors") })
        {
            using var a = SafeTensors.Read(Path.Combine(root, "rank0", file));
            using var b = SafeTensors.Read(Path.Combine(root, "rank1", file));
            Assert.Equal(a.Tensors.Keys.Order(), b.Tensors.Keys.Order());
            foreach (var (name, t) in a.Tensors)
                Assert.True(t.bytes.SequenceEqual(b.Tensors[name].bytes), $"{name} differs between the ranks ({file})");
        }
        Directory.Delete(root, recursive: true);
    }
}

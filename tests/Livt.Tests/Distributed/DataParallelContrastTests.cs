using System.Text.Json.Nodes;
using Livt.Interop;
using Livt.Losses.Contrastive;
using Livt.Tests.Models;
using Livt.Training.Contrastive;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Livt.Tests.Distributed;

/// <summary>
/// The contrastive methods over two real MPI processes (loopback, one thread each): the gather
/// (<see cref="ProcessGather"/>, the official concat_all_gather) against one process holding the
/// concatenated batch, and a short data-parallel run whose ranks keep identical weights and state.
/// </summary>
public class DataParallelContrastTests
{
    private static void AssertSucceeded(MpiRun.Result result) => Assert.True(result.ExitCode == 0, result.Output);

    [MpiFact]
    public void TwoRankContrastEqualsOneProcessOnTheConcatenatedBatch()
    {
        var root = Training.TinyRuns.TempDir();
        AssertSucceeded(MpiRun.Worker("contrast", root, 60));
        using var rank0 = SafeTensors.Read(Path.Combine(root, "rank0.safetensors"));
        using var rank1 = SafeTensors.Read(Path.Combine(root, "rank1.safetensors"));
        var ranks = new[] { rank0.Tensors, rank1.Tensors };
        using var scope = torch.NewDisposeScope();
        var batch = ContrastBatch.Make(2);
        var loss = new BclLoss(ContrastBatch.Counts);

        // BCL contrasts the global batch: the ranks' mean loss is the one-process loss of the whole batch,
        // and so is the centres' averaged gradient (each rank's anchors see them with gradient).
        var whole = loss.Forward(batch.Logits, F.normalize(batch.Views, dim: 2), F.normalize(batch.Centers, dim: 1), batch.Labels).Total;
        var wholeCentres = torch.autograd.grad([whole], [batch.Centers])[0];
        TensorAssert.Close(whole, (ranks[0]["loss"] + ranks[1]["loss"]) / 2, 1e-12, "mean loss of the ranks");
        TensorAssert.Close(wholeCentres, (ranks[0]["grad.centers"] + ranks[1]["grad.centers"]) / 2, 1e-12, "averaged centre gradient");

        // Other ranks' rows come without gradient, this rank's keep theirs: each rank's gradients are those
        // of its loss with the other half detached.
        var others = F.normalize(batch.Views, dim: 2).detach();
        for (int r = 0; r < 2; r++)
        {
            var mine = ContrastBatch.Make(2).Slice(r);
            int rank = r;
            Tensor Gather(Tensor t) => t.is_floating_point()
                ? torch.cat([rank == 0 ? t : others[..4], rank == 1 ? t : others[4..]])
                : batch.Labels;
            var local = loss.Forward(mine.Logits, F.normalize(mine.Views, dim: 2), F.normalize(mine.Centers, dim: 1), mine.Labels, Gather, r).Total;
            var grads = torch.autograd.grad([local], [mine.Views, mine.Logits, mine.Centers]);
            TensorAssert.Close(local, ranks[r]["loss"], 1e-12, $"rank {r} loss");
            TensorAssert.Close(grads[0], ranks[r]["grad.views"], 1e-12, $"rank {r} gradient w.r.t. its views");
            TensorAssert.Close(grads[1], ranks[r]["grad.logits"], 1e-12, $"rank {r} gradient w.r.t. its logits");
            TensorAssert.Close(grads[2], ranks[r]["grad.centers"], 1e-12, $"rank {r} gradient w.r.t. the centres");
        }

        // Queues and centroids take every rank's keys: both ranks hold what one process holds after the
        // whole batch (enqueued twice: the FIFO wraps and drops the oldest of a batch larger than itself).
        var keys = F.normalize(batch.Views.select(1, 0), dim: 1).to(ScalarType.Float32);
        using var queue = new LabeledFeatureQueue(ContrastBatch.QueueSize, ContrastBatch.Dim);
        using var balanced = new ClassBalancedQueue(ContrastBatch.Counts.Length, 2, ContrastBatch.Dim, seed: 9);
        using var centroids = new TargetAssignment(ContrastBatch.Counts.Length, ContrastBatch.Dim, seed: 9);
        for (int i = 0; i < 2; i++)
        {
            queue.Enqueue(keys, batch.Labels);
            balanced.Enqueue(keys, batch.Labels);
        }
        centroids.Update(keys, batch.Labels);
        var expected = queue.State().Concat(balanced.State("balanced.")).ToDictionary();
        expected["centroids"] = centroids.Centroids;
        foreach (var (name, t) in expected)
        {
            Assert.True(ranks[0][name].bytes.SequenceEqual(ranks[1][name].bytes), $"{name} differs between the ranks");
            TensorAssert.Close(t.to(ranks[0][name].dtype), ranks[0][name], 1e-6, name);
        }
        Directory.Delete(root, recursive: true);
    }

    [MpiFact]
    public void TwoRankTscRunKeepsTheRanksIdenticalWithEveryRanksKeysInTheQueue()
    {
        var root = Training.TinyRuns.TempDir();
        const int batch = 16, epochs = 2, steps = 2;
        // A slice of Fashion-MNIST (40 training and 10 test images per class, IF 10) keeps the two ranks' start-up and evaluation short.
        var data = Path.Combine(root, "data");
        Data.FashionSlice.Write(data, train: 40, test: 10);
        var settings = new JsonObject
        {
            ["data_dir"] = data, ["imbalance"] = 10,
            ["loss"] = "tsc", ["queue_size"] = 256, ["tsc_target_steps"] = 50,
            ["epochs"] = epochs, ["steps_per_epoch"] = steps, ["warmup_epochs"] = 0.5, ["batch_size"] = batch, ["lr"] = 3e-3,
            ["embed_dim"] = 32, ["depth"] = 2, ["num_heads"] = 2, ["drop_path"] = 0.0,
            ["threads"] = 1, ["workers"] = 1, ["seed"] = 3, ["precision"] = "fp32",
        };
        var overrides = Path.Combine(root, "overrides.json");
        File.WriteAllText(overrides, settings.ToJsonString());
        AssertSucceeded(MpiRun.Worker("finetune", root, 60, overrides, "every-rank-writes"));

        // The second epoch is TSC's (centroids from the gathered queries); every file a rank writes —
        // classifier, contrastive model, the last checkpoint with queue, centroids, targets and key
        // encoder — is the same bytes on both ranks.
        foreach (var file in new[] { ModelCheckpoint.FileName, ContrastiveRunner.ModelFile })
            AssertSameTensors(Path.Combine(root, "rank0", file), Path.Combine(root, "rank1", file));
        string Weights(int rank) => Path.Combine(root, $"rank{rank}", "checkpoints", $"epoch-{epochs:D4}-step-000000", "weights.safetensors");
        AssertSameTensors(Weights(0), Weights(1));
        using var state = SafeTensors.Read(Weights(0));
        long filled = state.Tensors["queue_labels"].ge(0).sum().item<long>();
        Assert.Equal(epochs * steps * batch * MpiRun.Processes, filled);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "rank0", "report.json")))!;
        Assert.Equal(MpiRun.Processes, (int)report["processes"]!);
        Directory.Delete(root, recursive: true);
    }

    private static void AssertSameTensors(string a, string b)
    {
        using var x = SafeTensors.Read(a);
        using var y = SafeTensors.Read(b);
        Assert.Equal(x.Tensors.Keys.Order(), y.Tensors.Keys.Order());
        foreach (var (name, t) in x.Tensors)
            Assert.True(t.bytes.SequenceEqual(y.Tensors[name].bytes), $"{name} differs between the ranks ({Path.GetFileName(a)})");
    }
}

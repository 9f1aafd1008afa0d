using Livt.Distributed;
using Livt.Engine;
using static TorchSharp.torch;

namespace Livt.Training.Contrastive;

/// <summary>
/// A sum over the job's processes that carries gradient, as the statistics of PyTorch's <c>SyncBatchNorm</c>
/// are summed: forward adds every process's tensor, backward adds every process's gradient, so each process
/// back-propagates the gradient of the sum of all processes' losses through its own inputs (and the averaged
/// parameter gradients are those of the mean loss, as one process on the whole batch would get). Every
/// process must call it at the same point of the step with the same shape.
/// </summary>
public static class ProcessSum
{
    /// <summary>The sum of <paramref name="parallel"/>'s processes, or null in one process (nothing to add).</summary>
    public static Func<Tensor, Tensor>? For(IDataParallel parallel) =>
        parallel.WorldSize == 1 ? null : local => AllReduceSum.apply(local, parallel.Group);

    private sealed class AllReduceSum : autograd.SingleTensorFunction<AllReduceSum>
    {
        private const string GroupKey = "group";

        public override string Name => nameof(AllReduceSum);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var group = (IProcessGroup)vars[1];
            ctx.save_data(GroupKey, group);
            var sum = ((Tensor)vars[0]).contiguous().clone();
            group.AllReduce(sum);
            return sum;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
        {
            var sum = grad.contiguous().clone();
            ((IProcessGroup)ctx.get_data(GroupKey)).AllReduce(sum);
            // One entry per forward argument: the group is not a tensor.
            return [sum, null!];
        }
    }
}

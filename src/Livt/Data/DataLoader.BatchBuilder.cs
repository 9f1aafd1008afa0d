using Livt.Augmentation;

namespace Livt.Data;

public sealed partial class DataLoader
{
    /// <summary>One batch being filled by several chunks, possibly on different threads.</summary>
    private sealed class BatchBuilder
    {
        private readonly DataLoader _loader;
        private readonly int[] _order;
        private readonly int _epoch;
        private readonly int _start;
        private readonly bool[] _skipped;
        private readonly object _gate = new();
        private TorchSharp.torch.Tensor? _images;
        private IntPtr _data;
        private int _channels, _height, _width;
        private readonly int _views;
        private int _pendingChunks;
        private Exception? _error;

        public BatchBuilder(DataLoader loader, int[] order, int epoch, int start, int size, int chunks)
        {
            _loader = loader;
            _order = order;
            _epoch = epoch;
            _start = start;
            Size = size;
            _skipped = new bool[size];
            _pendingChunks = chunks;
            _views = loader.ViewCount;
        }

        public int Size { get; }

        public TaskCompletionSource<Batch> Completion { get; } = new();

        public void Fill(int from, int to, CancellationToken token)
        {
            for (int p = from; p < to && _error is null; p++)
            {
                if (token.IsCancellationRequested)
                {
                    lock (_gate) _error ??= new OperationCanceledException(token);
                    return;
                }
                int index = _order[_start + p];
                try
                {
                    Image image = _loader._dataset.GetImage(index);
                    if (_loader._multiView is { } multiView)
                    {
                        var views = multiView.Apply(image, new Random(SeedMixer.Mix(_loader._options.Seed, _epoch, _loader._sampler.SeedPosition(_start + p))));
                        for (int v = 0; v < views.Length; v++) Write(p, v, views[v], index);
                        continue;
                    }
                    if (_loader._transform is { } transform)
                        image = transform.Apply(image, new Random(SeedMixer.Mix(_loader._options.Seed, _epoch, _loader._sampler.SeedPosition(_start + p))));
                    Write(p, 0, image, index);
                }
                catch (CorruptImageException) when (_loader._options.SkipCorrupt)
                {
                    _skipped[p] = true;
                    Interlocked.Increment(ref _loader._skipped);
                }
                catch (Exception e)
                {
                    lock (_gate) _error ??= e;
                }
            }
        }

        private unsafe void Write(int position, int view, Image image, int index)
        {
            lock (_gate)
            {
                if (_images is null)
                {
                    (_channels, _height, _width) = (image.Channels, image.Height, image.Width);
                    // Made on a loader thread, outside any dispose scope: the Batch owns it.
                    long[] shape = _views == 1 ? [Size, _channels, _height, _width] : [Size, _views, _channels, _height, _width];
                    _images = TorchSharp.torch.empty(shape, TorchSharp.torch.ScalarType.Float32);
                    _data = (IntPtr)System.Runtime.CompilerServices.Unsafe.AsPointer(
                        ref System.Runtime.InteropServices.MemoryMarshal.GetReference(_images.bytes));
                }
                else if ((image.Channels, image.Height, image.Width) != (_channels, _height, _width))
                {
                    throw new LivtException($"{_loader._dataset.Describe(index)}: image is {image.Channels}x{image.Height}x{image.Width} " +
                        $"after the transform but its batch holds {_channels}x{_height}x{_width} images; add a resize or crop transform");
                }
            }
            int size = _channels * _height * _width;
            image.Pixels.AsSpan().CopyTo(new Span<float>((float*)_data + ((long)position * _views + view) * size, size));
        }

        public void ChunkDone()
        {
            if (Interlocked.Decrement(ref _pendingChunks) != 0) return;
            if (_error is not null)
            {
                _images?.Dispose();
                Completion.SetException(_error);
                return;
            }
            try
            {
                Completion.SetResult(Build());
            }
            catch (Exception e)
            {
                _images?.Dispose();
                Completion.SetException(e);
            }
        }

        private unsafe Batch Build()
        {
            var kept = new List<int>(Size);
            for (int p = 0; p < Size; p++) if (!_skipped[p]) kept.Add(p);
            if (kept.Count == 0)
            {
                // No image was decoded, so the image size may be unknown (then 0 x 0 x 0).
                _images?.Dispose();
                return new Batch(TorchSharp.torch.empty([0, _channels, _height, _width]),
                    TorchSharp.torch.empty([0], TorchSharp.torch.ScalarType.Int64), [], Size);
            }
            var images = _images!;
            if (kept.Count < Size)
            {
                // Close the gaps left by skipped images, then keep a view of the filled rows.
                int size = _views * _channels * _height * _width;
                float* data = (float*)_data;
                for (int row = 0; row < kept.Count; row++)
                    if (kept[row] != row)
                        new Span<float>(data + (long)kept[row] * size, size).CopyTo(new Span<float>(data + (long)row * size, size));
                images = _images!.narrow(0, 0, kept.Count);
                _images.Dispose();
            }
            var indices = new int[kept.Count];
            var labels = new long[kept.Count];
            for (int i = 0; i < kept.Count; i++)
            {
                indices[i] = _order[_start + kept[i]];
                labels[i] = _loader._dataset.GetLabel(indices[i]);
            }
            return new Batch(images, TorchSharp.torch.tensor(labels, [labels.Length]), indices, Size - kept.Count);
        }

        /// <summary>Frees a batch that was built or begun but never taken.</summary>
        public void Discard()
        {
            if (Completion.Task.IsCompletedSuccessfully) Completion.Task.Result?.Dispose();
            else if (!Completion.Task.IsCompleted) _images?.Dispose();
        }
    }
}

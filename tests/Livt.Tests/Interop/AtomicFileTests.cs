using Livt.Interop;
using Livt.Tests.Evaluation;

namespace Livt.Tests.Interop;

public class AtomicFileTests
{
    /// <summary>A stream that refuses to grow past a size, as a full disk does.</summary>
    private sealed class FullDisk(Stream inner, long capacity) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (inner.Position + count > capacity) throw new IOException("No space left on device");
            inner.Write(buffer, offset, count);
        }
    }

    [Fact]
    public void AWriteThatFailsLeavesThePreviousFileAndNoTempFile()
    {
        using var dir = new TempDir();
        var path = dir.Write("report.json", "previous");
        var e = Assert.Throws<LivtException>(() => AtomicFile.Write(path, s => new FullDisk(s, 4096).Write(new byte[10_000])));
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("previous file there is unchanged", e.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void TempFilesOfAKilledWriterAreRemovedByTheNextWrite()
    {
        using var dir = new TempDir();
        var path = dir.Write("model.safetensors", "previous");
        // What a writer killed between its write and its rename leaves: the target untouched beside its temp file.
        var stale = dir.Write(".model.safetensors.999999.tmp", "half written");
        Assert.Equal("previous", File.ReadAllText(path));
        AtomicFile.WriteText(path, "next");
        Assert.Equal("next", File.ReadAllText(path));
        Assert.False(File.Exists(stale));
    }
}

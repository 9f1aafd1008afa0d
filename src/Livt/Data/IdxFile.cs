using System.Buffers.Binary;
using System.IO.Compression;

namespace Livt.Data;

/// <summary>
/// Reader for the IDX format of MNIST and Fashion-MNIST (unsigned-byte tensors with a big-endian
/// header), gzipped or raw; gzip is recognised by its magic bytes, not the file name.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an unsigned-byte IDX file: its dimensions and its data.</summary>
    /// <remarks>The data is read straight into one array of the size the header gives: reading the whole
    /// (decompressed) file first and slicing off the header left ~5× the data as large-object garbage
    /// that stayed resident for the whole run (290 MB for Fashion-MNIST).</remarks>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        try
        {
            var (file, gzipped) = OpenMaybeGzipped(path);
            using var _ = file;
            string name = Path.GetFileName(path);
            Span<byte> head = stackalloc byte[4];
            int got = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            if (got < 4 || head[0] != 0 || head[1] != 0 || head[2] != UnsignedByteType || head[3] is 0 or > 4)
                throw new LivtException($"{path}: not an unsigned-byte IDX file (bad magic number " +
                    $"{(got >= 4 ? Convert.ToHexString(head) : "missing")}, expected 000008xx)");
            int rank = head[3];
            var dimBytes = new byte[4 * rank];
            got = file.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
            if (got < dimBytes.Length) throw new LivtException($"{path}: IDX header truncated ({4 + got} bytes)");
            var dims = new int[rank];
            long size = 1;
            for (int d = 0; d < rank; d++)
            {
                dims[d] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * d));
                if (dims[d] < 0) throw new LivtException($"{path}: IDX dimension {d} is negative ({dims[d]})");
                // Saturates instead of overflowing: such a size is rejected below without allocating it.
                size = size > long.MaxValue / Math.Max(dims[d], 1) ? long.MaxValue : size * dims[d];
            }
            // The header's size is only believed as far as the file could hold it: deflate expands at
            // most 1032-fold, so a lying header is an error here instead of a huge allocation.
            long compressed = new FileInfo(path).Length;
            long possible = gzipped ? compressed * 1032 + 1024 : compressed - 4 - 4L * rank;
            var data = size <= Array.MaxLength && size <= possible ? new byte[size] : null;
            long have = data is null ? 0 : file.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            Span<byte> extra = stackalloc byte[4096];
            for (int n; (n = file.Read(extra)) > 0;) have += n;
            if (data is null || have != size)
                throw new LivtException($"{name}: IDX size mismatch in {path}: the header [{string.Join(", ", dims)}] " +
                    $"needs {size} data bytes, the file has {have}");
            return (dims, data);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new LivtException($"{path}: corrupt or truncated gzip data ({e.Message})", e);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new LivtException($"{path}: corrupt or truncated gzip data, or the file cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Reads an images file ([N, H, W]) and its labels file ([N]) as one dataset.</summary>
    public static InMemoryImageDataset ReadDataset(string imagesPath, string labelsPath, IReadOnlyList<string> classNames)
    {
        var (imageDims, pixels) = Read(imagesPath);
        var (labelDims, labelBytes) = Read(labelsPath);
        if (imageDims.Length != 3) throw new LivtException($"{imagesPath}: expected an [N, H, W] images file, found rank {imageDims.Length}");
        if (labelDims.Length != 1) throw new LivtException($"{labelsPath}: expected an [N] labels file, found rank {labelDims.Length}");
        if (imageDims[0] != labelDims[0])
            throw new LivtException($"{imagesPath} has {imageDims[0]} images but {labelsPath} has {labelDims[0]} labels");
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = labelBytes[i];
        string imagesName = Path.GetFileName(imagesPath), labelsName = Path.GetFileName(labelsPath);
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classNames.Count)
                throw new LivtException($"{labelsName} #{i}: label {labels[i]} is outside [0, {classNames.Count}) in {labelsPath}");
        return new InMemoryImageDataset(pixels, labels, 1, imageDims[1], imageDims[2], classNames, i => $"{imagesName} #{i}");
    }

    /// <summary>The file's bytes, decompressed when it starts with gzip's magic (whatever its name).</summary>
    private static (Stream Data, bool Gzipped) OpenMaybeGzipped(string path)
    {
        var file = DataFiles.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzipped = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        return (new BufferedStream(gzipped ? new GZipStream(file, CompressionMode.Decompress) : file, 1 << 16), gzipped);
    }
}

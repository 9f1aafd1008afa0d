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
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        byte[] bytes = ReadAllBytesMaybeGzipped(path);
        string name = Path.GetFileName(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByteType || bytes[3] is 0 or > 4)
            throw new LivtException($"{path}: not an unsigned-byte IDX file (bad magic number " +
                $"{(bytes.Length >= 4 ? Convert.ToHexString(bytes, 0, 4) : "missing")}, expected 000008xx)");
        int rank = bytes[3];
        int header = 4 + 4 * rank;
        if (bytes.Length < header) throw new LivtException($"{path}: IDX header truncated ({bytes.Length} bytes)");
        var dims = new int[rank];
        long size = 1;
        for (int d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (dims[d] < 0) throw new LivtException($"{path}: IDX dimension {d} is negative ({dims[d]})");
            size *= dims[d];
        }
        if (bytes.Length - header != size)
            throw new LivtException($"{name}: IDX size mismatch in {path}: the header [{string.Join(", ", dims)}] " +
                $"needs {size} data bytes, the file has {bytes.Length - header}");
        return (dims, bytes[header..]);
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

    private static byte[] ReadAllBytesMaybeGzipped(string path)
    {
        byte[] raw = DataFiles.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B) return raw;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 8);
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new LivtException($"{path}: corrupt or truncated gzip data ({e.Message})", e);
        }
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, JSON header of
/// dtype/shape/data_offsets per tensor plus an optional string map under <c>__metadata__</c>, then the
/// raw little-endian data). It is the format timm, MAE and LiVT checkpoints are exchanged in.
/// Livt's files carry the SHA-256 of their data section under <see cref="DataSha256Key"/>, checked on
/// every read, so a flipped bit in a tensor is an error instead of silently different weights.
/// </summary>
public static class SafeTensors
{
    // Header larger than this is treated as corrupt rather than allocated: real headers are kilobytes.
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>The <c>__metadata__</c> key under which Livt stores the SHA-256 (lower-case hex) of the
    /// data section, i.e. of every byte after the header.</summary>
    public const string DataSha256Key = "livt.data_sha256";

    private static readonly Dictionary<string, ScalarType> DtypeByName = new()
    {
        ["F64"] = ScalarType.Float64, ["F32"] = ScalarType.Float32, ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16, ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16, ["I8"] = ScalarType.Int8, ["U8"] = ScalarType.Byte, ["BOOL"] = ScalarType.Bool,
    };

    private static readonly Dictionary<ScalarType, string> NameByDtype =
        DtypeByName.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Reads every tensor (on the CPU) and the metadata of a safetensors file.</summary>
    /// <exception cref="LivtException">The file does not exist.</exception>
    /// <exception cref="SafeTensorsFormatException">The file is truncated, malformed or damaged.</exception>
    public static SafeTensorsFile Read(string path)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: file not found");
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8) throw new SafeTensorsFormatException(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");

        var headerBytes = ReadHeader(path, stream, fileLength);
        long dataStart = 8 + headerBytes.Length, dataLength = fileLength - dataStart;

        // JsonDocument accepts invalid UTF-8 inside strings and throws InvalidOperationException only
        // when a name or value is read.
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
            throw new SafeTensorsFormatException(path, "header is not valid UTF-8 (damaged file?)");
        JsonDocument header;
        try { header = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw new SafeTensorsFormatException(path, $"header is not valid JSON ({e.Message})"); }

        using (header)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsFormatException(path, "header is not a JSON object");

            var metadata = new Dictionary<string, string>();
            var entries = new List<(string Name, ScalarType Dtype, long[] Shape, long Begin, long End)>();
            foreach (var prop in header.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw new SafeTensorsFormatException(path, "__metadata__ is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                if (entries.Any(e => e.Name == prop.Name))
                    throw new SafeTensorsFormatException(path, $"tensor '{prop.Name}' appears twice in the header");
                entries.Add(ParseEntry(path, prop, dataLength));
            }
            if (metadata.Remove(DataSha256Key, out var expectedHash))
            {
                stream.Position = dataStart;
                var actualHash = Convert.ToHexStringLower(SHA256.HashData(stream));
                if (actualHash != expectedHash)
                    throw new SafeTensorsFormatException(path, $"the SHA-256 of its data is {actualHash}, the header records {expectedHash}: the " +
                        "tensors are damaged");
            }

            return new SafeTensorsFile(ReadTensors(path, stream, dataStart, entries), metadata);
        }
    }

    /// <summary>The JSON header's bytes, after the 8-byte length that precedes them.</summary>
    private static byte[] ReadHeader(string path, Stream stream, long fileLength)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > fileLength - 8)
            throw new SafeTensorsFormatException(path, $"header length {headerLength} does not fit in a file of {fileLength} bytes");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        return headerBytes;
    }

    /// <summary>The tensors the header's entries describe, read in file order; none is left undisposed on an error.</summary>
    private static Dictionary<string, Tensor> ReadTensors(string path, Stream stream, long dataStart,
        IEnumerable<(string Name, ScalarType Dtype, long[] Shape, long Begin, long End)> entries)
    {
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (name, dtype, shape, begin, end) in entries.OrderBy(e => e.Begin))
            {
                var t = torch.empty(shape, dtype);
                long bytes = end - begin;
                if (bytes > int.MaxValue)
                    throw new SafeTensorsFormatException(path, $"tensor '{name}' is {bytes} bytes; tensors over 2 GiB are not supported");
                var buffer = new byte[bytes];
                stream.Position = dataStart + begin;
                stream.ReadExactly(buffer);
                if (bytes > 0) t.bytes = buffer;
                tensors[name] = t;
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return tensors;
    }

    private static (string, ScalarType, long[], long, long) ParseEntry(string path, JsonProperty prop, long dataLength)
    {
        var name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' lacks dtype, shape or data_offsets");

        var dtypeName = dtypeEl.GetString()!;
        if (!DtypeByName.TryGetValue(dtypeName, out var dtype))
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has unsupported dtype '{dtypeName}' (supported: " +
                $"{string.Join(", ", DtypeByName.Keys)})");

        var shape = new long[shapeEl.GetArrayLength()];
        long elements = 1;
        int i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
                throw new SafeTensorsFormatException(path, $"tensor '{name}' has an invalid shape {shapeEl.GetRawText()}");
            shape[i++] = dim;
            // A product beyond the file size is corrupt anyway; saturating keeps the check below an
            // ordinary format error instead of an overflow.
            elements = dim == 0 || elements == 0 ? 0 : elements > long.MaxValue / dim ? long.MaxValue : elements * dim;
        }

        if (offEl[0].ValueKind != JsonValueKind.Number || offEl[1].ValueKind != JsonValueKind.Number
            || !offEl[0].TryGetInt64(out var begin) || !offEl[1].TryGetInt64(out var end) || begin < 0 || end < begin || end > dataLength)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has data_offsets {offEl.GetRawText()} outside the {dataLength}-byte data section " +
                "(truncated file?)");
        long size = ElementSize(dtype);
        long expected = elements > long.MaxValue / size ? long.MaxValue : elements * size;
        if (end - begin != expected)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has {end - begin} bytes but dtype {dtypeName} and shape {shapeEl.GetRawText()} " +
                $"need {expected}");
        return (name, dtype, shape, begin, end);
    }

    /// <summary>Writes tensors (moved to the CPU, made contiguous) and optional metadata, atomically:
    /// the file is written beside the target, flushed to disk, then renamed over it.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>();
        foreach (var (name, _) in list)
            if (!names.Add(name)) throw new ArgumentException($"duplicate tensor name '{name}'");

        using var scope = torch.NewDisposeScope();
        var cpu = list.Select(kv => (kv.Key, T: kv.Value.detach().cpu().contiguous())).ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, t) in cpu)
            if (t.NumberOfElements > 0) hash.AppendData(t.bytes);
        var allMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [DataSha256Key] = Convert.ToHexStringLower(hash.GetHashAndReset()),
        };

        var full = Header(cpu, allMetadata);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, full.Length);
            stream.Write(len);
            stream.Write(full);
            foreach (var (_, t) in cpu)
                if (t.NumberOfElements > 0) stream.Write(t.bytes);
        });
    }

    /// <summary>The JSON header: metadata, then each tensor's dtype, shape and offsets, padded with spaces to 8 bytes.</summary>
    private static byte[] Header(List<(string Key, Tensor T)> cpu, Dictionary<string, string> allMetadata)
    {
        using var headerJson = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerJson))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in allMetadata) w.WriteString(k, v);
            w.WriteEndObject();
            long offset = 0;
            foreach (var (name, t) in cpu)
            {
                if (!NameByDtype.TryGetValue(t.dtype, out var dtypeName))
                    throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors cannot store");
                long bytes = t.NumberOfElements * t.ElementSize;
                w.WriteStartObject(name);
                w.WriteString("dtype", dtypeName);
                w.WriteStartArray("shape");
                foreach (var d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }

        // The format asks the header to be padded with spaces so the data starts 8-byte aligned.
        var header = headerJson.ToArray();
        int padded = (header.Length + 7) / 8 * 8;
        var full = new byte[padded];
        header.CopyTo(full, 0);
        full.AsSpan(header.Length).Fill((byte)' ');
        return full;
    }

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}

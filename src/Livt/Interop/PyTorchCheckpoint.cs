using System.Collections;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Razorvine.Pickle;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Livt.Interop;

/// <summary>
/// Reads the weights of a PyTorch checkpoint written by <c>torch.save</c> (the zip format of PyTorch
/// 1.6 and later) without Python: a bare state dict, or the dictionary MAE's and LiVT's scripts save,
/// <c>{'model': state_dict, 'optimizer', 'epoch', 'scaler', 'args'}</c> (also <c>'state_dict'</c> or
/// <c>'model_ema'</c>, as <c>tools/pth_to_safetensors.py</c> accepts). A <c>module.</c> prefix left by
/// DistributedDataParallel is removed. Everything else in the file (optimizer state, args) is read and
/// dropped.
/// </summary>
/// <remarks>
/// The pickle is read by TorchSharp.PyBridge's unpickler, which rebuilds tensors and plain containers
/// only and never calls what a pickle names: a file crafted to run code on load fails with an error
/// instead of running it. Not supported, each with an error that says to convert the file with
/// <c>tools/pth_to_safetensors.py</c>: the legacy non-zip format, tensors saved as views (a storage
/// offset, or strides that are not contiguous) and whole pickled models.
/// </remarks>
public static class PyTorchCheckpoint
{
    private static readonly string[] StateDictKeys = ["model", "state_dict", "model_ema"];

    // torch.save's default format since PyTorch 1.6 is a zip archive ("PK\x03\x04"). The legacy format
    // is a pickle that starts with PyTorch's magic number: PROTO 2, then LONG1 of 10 bytes. (As a
    // safetensors header length those bytes would be 176 MB, which no real header is.)
    private static bool IsZip(ReadOnlySpan<byte> head) => head is [0x50, 0x4B, 0x03, 0x04, ..];
    private static bool IsLegacy(ReadOnlySpan<byte> head) => head is [0x80, 0x02, 0x8A, 0x0A, ..];

    /// <summary>True when the file starts like a PyTorch checkpoint (zip, or the legacy format) or has
    /// a PyTorch extension (.pth, .pt, .ckpt, .bin); a safetensors file starts with its header length.</summary>
    public static bool IsPyTorchFile(string path)
    {
        var head = ReadHead(path);
        return IsZip(head) || IsLegacy(head)
               || Path.GetExtension(path).ToLowerInvariant() is ".pth" or ".pt" or ".ckpt" or ".bin";
    }

    /// <summary>Reads the state dict of a checkpoint; tensor names as saved, minus a DDP
    /// <c>module.</c> prefix. The result has no metadata.</summary>
    /// <exception cref="LivtException">Missing file, legacy format, no state dict inside, a pickle that
    /// asks to call something, or tensors saved as views; the message names the file and the way out.</exception>
    public static WeightsFile Read(string path)
    {
        if (!File.Exists(path)) throw new LivtException($"{path}: file not found");
        var convert = $"convert it with `python3 tools/pth_to_safetensors.py {path}` (needs PyTorch) and use the .safetensors file it writes";
        var head = ReadHead(path);
        if (!IsZip(head))
            throw new LivtException(IsLegacy(head)
                ? $"{path}: a PyTorch checkpoint in the legacy non-zip format (torch.save with _use_new_zipfile_serialization=False, or PyTorch before 1.6), " +
                    $"which Livt does not read: {convert}"
                : $"{path}: neither a PyTorch checkpoint (torch.save's zip format) nor a safetensors file");

        Hashtable root;
        try
        {
            if (PickleProblem(path) is { } problem)
                throw new LivtException($"{path}: a damaged PyTorch checkpoint: {problem}");
            using var stream = File.OpenRead(path);
            root = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or LivtException))
        {
            throw new LivtException($"{path}: {Explain(e, convert)}", e);
        }

        try
        {
            return new WeightsFile(SelectStateDict(root, path), new Dictionary<string, string>());
        }
        finally
        {
            // The optimizer state of a training checkpoint is as large as the model twice over: free it now.
            DisposeTensors(root);
        }
    }

    /// <summary>The lengths declared inside the archive's <c>data.pkl</c>, checked before the unpickler
    /// allocates them (see <see cref="PickleLengths"/>).</summary>
    private static string? PickleProblem(string path)
    {
        using var zip = new System.IO.Compression.ZipArchive(File.OpenRead(path), System.IO.Compression.ZipArchiveMode.Read);
        var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        if (entry is null) return null;
        long limit = new FileInfo(path).Length;
        using var data = entry.Open();
        var pickle = new MemoryStream();
        var buffer = new byte[1 << 16];
        for (int n; (n = data.Read(buffer)) > 0;)
        {
            if (pickle.Length + n > limit) return $"data.pkl inflates beyond the file's {limit} bytes";
            pickle.Write(buffer, 0, n);
        }
        return PickleLengths.Check(pickle.GetBuffer().AsSpan(0, (int)pickle.Length)) is { } p ? $"data.pkl: {p}" : null;
    }

    private static string Explain(Exception e, string convert) => e switch
    {
        // Razorvine stands in a plain dictionary for any class or function it does not know and refuses
        // to call one with arguments: that is where os.system & co. end.
        PickleException when Regex.Match(e.Message, @"\(for ([\w.]+)\)") is { Success: true } m =>
            $"the pickle calls {m.Groups[1].Value}, which Livt never runs (it rebuilds only tensors and plain containers); " +
            $"a checkpoint has no reason to call it, so the file may be crafted to run code on load. Only if you trust it, {convert}",
        InvalidOperationException when e.Message.Contains("non-contiguous", StringComparison.Ordinal) =>
            $"a tensor is saved with non-contiguous strides (e.g. a transpose saved as is), which Livt's reader cannot rebuild: {convert}",
        ExternalException when e.Message.Contains("storage", StringComparison.Ordinal) =>
            $"a tensor is saved as a view into a larger storage (a slice at a storage offset, or with strides), which Livt's reader cannot rebuild: {convert}",
        NotImplementedException when e.Message.Contains("entire model", StringComparison.Ordinal) =>
            $"the file holds a whole pickled model, not a state dict: re-save it with torch.save(model.state_dict(), …) or {convert}",
        _ => $"not a PyTorch checkpoint Livt can read ({e.GetType().Name}: {FirstLine(e.Message)}): {convert}",
    };

    private static Dictionary<string, Tensor> SelectStateDict(Hashtable root, string path)
    {
        var state = StateDictKeys.Select(k => root[k]).OfType<Hashtable>().FirstOrDefault() ?? root;
        var tensors = new Dictionary<string, Tensor>();
        foreach (var key in state.Keys.Cast<object>().Select(k => k as string ?? "").Order(StringComparer.Ordinal))
        {
            if (state[key] is not Tensor t)
            {
                foreach (var taken in tensors.Values) taken.Dispose();
                throw new LivtException($"{path}: not a state dict nor a checkpoint holding one under 'model', 'state_dict' or 'model_ema' (entry '{key}' " +
                    "is not a tensor)");
            }
            // An alias of its own: the unpickled object graph, shared entries included, is freed after this.
            tensors[key] = t.alias();
        }
        if (tensors.Count == 0) throw new LivtException($"{path}: the checkpoint holds no tensors");
        if (tensors.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
            tensors = tensors.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value);
        return tensors;
    }

    private static void DisposeTensors(object? value)
    {
        switch (value)
        {
            case Tensor t: t.Dispose(); break;
            case IDictionary d: foreach (DictionaryEntry e in d) DisposeTensors(e.Value); break;
            case IEnumerable items and not string: foreach (var item in items) DisposeTensors(item); break;
        }
    }

    private static byte[] ReadHead(string path)
    {
        using var s = File.OpenRead(path);
        var head = new byte[4];
        return head[..s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

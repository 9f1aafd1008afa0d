#!/usr/bin/env python3
"""Converts a PyTorch checkpoint (official MAE / LiVT / timm .pth) to safetensors for Livt.

    python3 tools/pth_to_safetensors.py mae_pretrain_vit_base.pth mae_pretrain_vit_base.safetensors

Needs only PyTorch. Accepts {'model': state_dict} (what MAE's and LiVT's main scripts save),
{'state_dict': ...}, {'model_ema': ...} when no 'model' is present, a bare state dict, or a whole pickled
model (torch.save(model), whose class must then be importable). Tensors saved as views are written
contiguous. Tensor names are kept as they are (a 'module.' prefix left by DistributedDataParallel is removed), so Livt loads them
by their timm/MAE names. The checkpoint is unpickled: convert only files you trust.
"""
import argparse
import json
import os
import struct
import sys

import torch

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


def load_state_dict(path):
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # PyTorch before 1.13 has no weights_only
        ckpt = torch.load(path, map_location="cpu")
    extra = {}
    if isinstance(ckpt, torch.nn.Module):  # torch.save(model): its class must be importable here
        ckpt = ckpt.state_dict()
    if isinstance(ckpt, dict):
        for key in ("model", "state_dict", "model_ema"):
            if key in ckpt and isinstance(ckpt[key], dict):
                extra = {k: str(ckpt[k]) for k in ("epoch",) if k in ckpt}
                ckpt = ckpt[key]
                break
    if not isinstance(ckpt, dict) or not all(torch.is_tensor(v) for v in ckpt.values()):
        sys.exit(f"{path}: not a state dict nor a checkpoint holding one under 'model'/'state_dict'/'model_ema'")
    if ckpt and all(k.startswith("module.") for k in ckpt):
        ckpt = {k[len("module."):]: v for k, v in ckpt.items()}
    return ckpt, extra


def tensor_bytes(t):
    t = t.detach().cpu().contiguous().reshape(-1)
    # Reinterpreting as bytes covers bfloat16, which NumPy cannot hold; x86/ARM are little-endian as
    # safetensors requires.
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b""


def write_safetensors(path, tensors, metadata):
    header, offset = {"__metadata__": metadata}, 0
    blobs = []
    for name, t in tensors.items():
        if t.dtype not in DTYPES:
            sys.exit(f"tensor '{name}' has dtype {t.dtype}, which safetensors cannot store")
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="the .pth checkpoint")
    parser.add_argument("output", nargs="?", help="the .safetensors file (default: input with .safetensors)")
    args = parser.parse_args()
    output = args.output or os.path.splitext(args.input)[0] + ".safetensors"
    state, extra = load_state_dict(args.input)
    metadata = {"format": "pt", "source": os.path.basename(args.input), **extra}
    write_safetensors(output, state, metadata)
    print(f"{output}: {len(state)} tensors, {sum(t.numel() for t in state.values()):,} values")


if __name__ == "__main__":
    main()

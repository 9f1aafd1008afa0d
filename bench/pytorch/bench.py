"""PyTorch side of `livt bench`: the same models, steps, batch and threads, so Livt's images/s can be
set beside PyTorch's in one run (see bench/compare.sh). On the CPU, Debian's python3-torch 1.13; run it
with OpenBLAS and the malloc setting Livt applies to itself (compare.sh does both), or the ratio flatters
Livt. `--device cuda` runs it on a GPU (bench/gpu/on-device.sh does, beside `livt bench --device cuda`),
waiting for the device at every part boundary as Livt's bench does. `--precision bf16` runs the step under
autocast (bf16), as Livt's bf16 runs; `python3 bench.py corename` prints the OpenBLAS kernel ("core") this
process got, for compare.sh to check.
"""
import argparse, contextlib, ctypes, gzip, json, math, os, statistics, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_models import MaskedAutoencoder, VisionTransformer  # noqa: E402

FMNIST = "/usr/share/datasets/fashion-mnist"

# Livt's presets (src/Livt/Models/ModelPresets.cs) that the GPU check times; dec = MAE's decoder (dim, depth, heads).
MODELS = {
    "vit_quick_patch4_28": dict(img=28, patch=4, chans=1, classes=10, dim=128, depth=6, heads=4, dec=(128, 2, 4)),
    "vit_base_patch16_224": dict(img=224, patch=16, chans=3, classes=1000, dim=768, depth=12, heads=12, dec=(512, 8, 16)),
}


def rss_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def blas_library():
    """The BLAS actually mapped into this process (Debian's torch links the libblas.so.3 alternative)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    return sorted(paths)


def openblas_core():
    """The kernel set OpenBLAS chose (openblas_get_corename), or None when no OpenBLAS is mapped."""
    for path in blas_library():
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def gemm_is_correct():
    """OpenBLAS's chosen kernels against a float64 product: a forced core type must not compute wrongly."""
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(300, 200, generator=g), torch.randn(200, 100, generator=g)
    return bool(torch.allclose(a @ b, (a.double() @ b.double()).float(), rtol=1e-4, atol=1e-4))


def fashion_mnist_lt(data_dir, imbalance=100.0, seed=0):
    with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    rng = np.random.RandomState(seed)
    keep = []
    for c in range(10):
        idx = np.where(labels == c)[0]
        rng.shuffle(idx)
        keep.extend(idx[: int(math.floor(6000 * (1 / imbalance) ** (c / 9)))])
    keep = np.array(keep)
    return images[keep], labels[keep]


class LtDataset(torch.utils.data.Dataset):
    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        from PIL import Image
        return self.transform(Image.fromarray(self.images[i], mode="L")), int(self.labels[i])


def train_transform(mode, size, mean, std):
    # The quick-start recipe's augmentation, as `livt bench` runs the quick-start step: crop scale 0.35-1
    # (MGP) or 0.8-1 (BFT) and a flip; no RandAugment or erasing.
    import torchvision.transforms as T
    scale = (0.35, 1.0) if mode == "pretrain" else (0.8, 1.0)
    return T.Compose([T.RandomResizedCrop(size, scale=scale, interpolation=T.InterpolationMode.BICUBIC),
                      T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize([mean], [std])])


def bal_bce(logits, targets, prior):
    z = logits + (prior.log() - (1 - prior).log())
    return F.binary_cross_entropy_with_logits(z, targets, reduction="mean") * logits.shape[1]


def layer_decay_groups(model, depth, wd=0.05, decay=0.75):
    groups = {}
    for name, p in model.named_parameters():
        lid = 0 if name.startswith(("cls_token", "pos_embed", "patch_embed")) else int(name.split(".")[1]) + 1 if name.startswith("blocks.") else depth + 1
        no_wd = p.ndim == 1 or name in ("cls_token", "pos_embed")
        key = (lid, no_wd)
        groups.setdefault(key, {"params": [], "weight_decay": 0.0 if no_wd else wd, "lr_scale": decay ** (depth + 1 - lid)})
        groups[key]["params"].append(p)
    return list(groups.values())


def main():
    if sys.argv[1:] == ["corename"]:
        print(json.dumps({"core": openblas_core(), "gemm_correct": gemm_is_correct()}))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "pretrain", "infer"])
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--block-steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--source", default="synthetic", choices=["synthetic", "fashion-mnist-lt"])
    ap.add_argument("--attention", default="manual", choices=["manual", "fused"])
    ap.add_argument("--data-dir", default=FMNIST)
    ap.add_argument("--model", default="vit_quick_patch4_28", choices=sorted(MODELS))
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    a = ap.parse_args()
    if a.source == "fashion-mnist-lt" and a.model != "vit_quick_patch4_28":
        ap.error("--source fashion-mnist-lt feeds 28-px grey-scale images: only --model vit_quick_patch4_28 takes them")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    fused = a.attention == "fused"
    m = MODELS[a.model]
    dev = torch.device(a.device)
    # Livt's bench without data: a long tail like Fashion-MNIST-LT's (IF 100) over the preset's classes.
    counts = torch.tensor([max(1, math.floor(6000 * 0.01 ** (c / max(1, m["classes"] - 1)))) for c in range(m["classes"])],
                          dtype=torch.float32, device=dev)
    prior = counts / counts.sum()
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)

    # The quick-start recipe's step, as `livt bench` times it: MGP at blr 3e-3 (lr 1.5e-3 at batch 128);
    # BFT at lr 4e-3 with layer decay 0.9, no drop path and no Mixup/CutMix (one-hot Bal-BCE targets).
    shape = dict(img=m["img"], patch=m["patch"], chans=m["chans"], dim=m["dim"], depth=m["depth"], heads=m["heads"], fused=fused)
    if a.mode == "pretrain":
        model = MaskedAutoencoder(dec_dim=m["dec"][0], dec_depth=m["dec"][1], dec_heads=m["dec"][2], **shape).to(dev)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3 * a.batch_size / 256, betas=(0.9, 0.95), weight_decay=0.05)
        step_loss = lambda x, y: model(x)[0]
    else:
        model = VisionTransformer(classes=m["classes"], drop_path=0.0, **shape).to(dev)
        opt = torch.optim.AdamW(layer_decay_groups(model, m["depth"], decay=0.9), lr=4e-3, betas=(0.9, 0.99))
        step_loss = lambda x, y: bal_bce(model(x), F.one_hot(y, m["classes"]).float(), prior)
    if a.mode == "infer":
        model.eval()

    autocast = (lambda: torch.autocast(a.device, dtype=torch.bfloat16)) if a.precision == "bf16" else contextlib.nullcontext

    def step(x, y):
        sync()
        t0 = time.perf_counter()
        if a.mode == "infer":
            with torch.no_grad(), autocast():
                model(x).float().sum().item()
            return time.perf_counter() - t0, 0, 0
        with autocast():
            loss = step_loss(x, y)
        loss = loss.float(); loss.item()
        t1 = time.perf_counter(); loss.backward(); sync()
        t2 = time.perf_counter(); opt.step(); opt.zero_grad(); sync()
        return t1 - t0, t2 - t1, time.perf_counter() - t2

    x0 = torch.randn(a.batch_size, m["chans"], m["img"], m["img"], device=dev)
    y0 = torch.randint(0, m["classes"], (a.batch_size,), device=dev)
    loader, it = None, None
    if a.source == "fashion-mnist-lt":
        images, labels = fashion_mnist_lt(a.data_dir)
        mean, std = images.mean() / 255.0, images.std() / 255.0
        loader = torch.utils.data.DataLoader(LtDataset(images, labels, train_transform(a.mode, 28, float(mean), float(std))),
                                             batch_size=a.batch_size, shuffle=True, drop_last=True, num_workers=a.workers,
                                             persistent_workers=a.workers > 0)
        it = iter(loader)

    def bare_step():
        t = time.perf_counter(); step(x0, y0)
        return time.perf_counter() - t

    def end_to_end_step(timed):
        nonlocal it
        t = time.perf_counter()
        try:
            x, y = next(it)
        except StopIteration:
            it = iter(loader); x, y = next(it)
        w = time.perf_counter() - t
        step(x.to(dev), y.to(dev))
        if timed:
            wait.append(w)
        return time.perf_counter() - t

    # As livt bench: warm-up, then bare and end-to-end steps alternate in blocks.
    bare, total, wait, blocks = [], [], [], []
    for _ in range(a.warmup):
        bare_step()
        if loader is not None:
            end_to_end_step(False)
    for done in range(0, a.steps, a.block_steps):
        n = min(a.block_steps, a.steps - done)
        b = [bare_step() for _ in range(n)]
        bare += b
        if loader is not None:
            e = [end_to_end_step(True) for _ in range(n)]
            total += e
            blocks.append(sum(b) / sum(e))
    if loader is None:
        total, wait = bare, [0.0]
    med = statistics.median(total)
    print(json.dumps({
        "engine": "pytorch", "mode": a.mode, "model": a.model, "device": a.device, "source": a.source, "batch_size": a.batch_size,
        "images_per_second": a.batch_size / med, "bare_images_per_second": a.batch_size / statistics.median(bare),
        "loader_ratio": statistics.median(blocks) if blocks else None,
        "data_wait_ms": statistics.median(wait) * 1000, "peak_rss_mb": rss_mb("VmHWM:"),
        "threads": torch.get_num_threads(), "torch": torch.__version__, "precision": a.precision, "attention": a.attention,
        "gpu": torch.cuda.get_device_name() if a.device == "cuda" else None, "cuda": torch.version.cuda,
        "blas": blas_library(), "openblas_core": openblas_core(),
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
    }, indent=2))


if __name__ == "__main__":
    main()

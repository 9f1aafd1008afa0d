"""PyTorch twins of Livt's models: the one reference both the side-by-side benchmark (bench.py) and the
parity fixtures (tests/Livt.Tests/fixtures/make_model_fixtures.py) use. Not a Livt dependency.

The ViT restates timm's PatchEmbed / Attention / Mlp / Block / VisionTransformer (Apache-2.0; classified
from the mean of the patch tokens, `fc_norm` after pooling, no `norm`); the masked autoencoder is written
from the MAE paper. Both use the parameter names of timm's and MAE's checkpoints, so Livt loads their
weights strictly. Runs on Debian's python3-torch 1.13, which has no timm. Defaults are the quick-start model (28 px, 1 channel, patch 4,
D128, depth 6, 4 heads; decoder D128, depth 2).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-6


class DropPath(nn.Module):
    def __init__(self, p=0.0):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0.0 or not self.training:
            return x
        keep = 1 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class PatchEmbed(nn.Module):
    def __init__(self, img, patch, chans, dim):
        super().__init__()
        self.num_patches = (img // patch) ** 2
        self.proj = nn.Conv2d(chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, heads, fused=False):
        super().__init__()
        self.heads, self.scale, self.fused = heads, (dim // heads) ** -0.5, fused
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        if self.fused and hasattr(F, "scaled_dot_product_attention"):
            x = F.scaled_dot_product_attention(q, k, v)
        else:
            x = ((q * self.scale) @ k.transpose(-2, -1)).softmax(-1) @ v
        return self.proj(x.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0, drop_path=0.0, fused=False):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=EPS)
        self.attn = Attention(dim, heads, fused)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class VisionTransformer(nn.Module):
    def __init__(self, img=28, patch=4, chans=1, classes=10, dim=128, depth=6, heads=4, drop_path=0.1, fused=False):
        super().__init__()
        self.patch_embed = PatchEmbed(img, patch, chans, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, dim))
        nn.init.normal_(self.cls_token, std=0.02)
        nn.init.normal_(self.pos_embed, std=0.02)
        dpr = [x.item() for x in torch.linspace(0, drop_path, depth)]
        self.blocks = nn.ModuleList([Block(dim, heads, drop_path=dpr[i], fused=fused) for i in range(depth)])
        self.fc_norm = nn.LayerNorm(dim, eps=EPS)
        self.head = nn.Linear(dim, classes)

    def forward_features(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.fc_norm(x[:, 1:].mean(1))

    def forward(self, x):
        return self.head(self.forward_features(x))


def sincos_position_table(width, grid):
    """The fixed 2-D sine-cosine position codes of a grid x grid patch image (MAE paper, He et al. 2022, §3),
    with a zero row first for the class token. Patches are numbered row by row; the first half of a code
    encodes the patch's column, the second half its row, each as [sin(p f_k) ..., cos(p f_k) ...] over the
    frequencies f_k = 10000^(-k / (width / 4)), k = 0 .. width / 4 - 1."""
    quarter = width // 4
    frequencies = 1.0 / 10000.0 ** (np.arange(quarter, dtype=np.float64) / quarter)
    rows, columns = np.divmod(np.arange(grid * grid, dtype=np.float64), grid)

    def code(positions):
        angles = positions[:, None] * frequencies[None, :]
        return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)

    return np.concatenate([np.zeros((1, width)), np.concatenate([code(columns), code(rows)], axis=1)], axis=0)


class MaskedAutoencoder(nn.Module):
    """A masked autoencoder as the MAE paper describes it (He et al., CVPR 2022, §3): a random subset of the
    patches is encoded, a light decoder puts a learned mask token in every removed place and predicts all
    patches' pixels, and the loss is the mean squared error on the removed patches, against per-patch
    normalised pixels. The parameters are named as in MAE's released checkpoints, so Livt loads these weights
    strictly. The masking noise may be given, so the C# side can replay a mask: the patches with the smallest
    noise are kept."""

    def __init__(self, img=28, patch=4, chans=1, dim=128, depth=6, heads=4, dec_dim=128, dec_depth=2, dec_heads=4,
                 norm_pix_loss=True, fused=False):
        super().__init__()
        self.patch, self.chans, self.norm_pix_loss = patch, chans, norm_pix_loss
        self.patch_embed = PatchEmbed(img, patch, chans, dim)
        count = self.patch_embed.num_patches
        grid = int(count ** .5)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, count + 1, dim), requires_grad=False)
        self.blocks = nn.ModuleList([Block(dim, heads, fused=fused) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=EPS)
        self.decoder_embed = nn.Linear(dim, dec_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dec_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, count + 1, dec_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([Block(dec_dim, dec_heads, fused=fused) for _ in range(dec_depth)])
        self.decoder_norm = nn.LayerNorm(dec_dim, eps=EPS)
        self.decoder_pred = nn.Linear(dec_dim, patch * patch * chans)
        for table, width in ((self.pos_embed, dim), (self.decoder_pos_embed, dec_dim)):
            table.data.copy_(torch.from_numpy(sincos_position_table(width, grid)).float().unsqueeze(0))

    def patchify(self, images):
        """[N, C, H, W] -> [N, L, p*p*C]: patches row by row, each patch's pixels row by row, channels last."""
        n, c, h, _ = images.shape
        p, g = self.patch, h // self.patch
        return images.reshape(n, c, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(n, g * g, p * p * c)

    def encode(self, images, mask_ratio, noise=None):
        """The encoder on the kept patches and the class token: (latent, kept indices [N, K], removed [N, L])."""
        tokens = self.patch_embed(images) + self.pos_embed[:, 1:]
        n, length, width = tokens.shape
        if noise is None:
            noise = torch.rand(n, length, device=tokens.device)
        kept = noise.argsort(dim=1)[:, :int(length * (1 - mask_ratio))]
        removed = torch.ones(n, length, device=tokens.device, dtype=tokens.dtype).scatter(1, kept, 0.0)
        h = tokens.gather(1, kept.unsqueeze(-1).expand(-1, -1, width))
        h = torch.cat([(self.cls_token + self.pos_embed[:, :1]).expand(n, -1, -1), h], 1)
        for block in self.blocks:
            h = block(h)
        return self.norm(h), kept, removed

    def decode(self, latent, kept):
        """Every patch predicted: a mask token in each place, the encoded patches scattered back into theirs."""
        h = self.decoder_embed(latent)
        n, width, length = h.shape[0], h.shape[2], self.decoder_pos_embed.shape[1] - 1
        places = self.mask_token.expand(n, length, width).scatter(1, kept.unsqueeze(-1).expand(-1, -1, width), h[:, 1:])
        h = torch.cat([h[:, :1], places], 1) + self.decoder_pos_embed
        for block in self.decoder_blocks:
            h = block(h)
        return self.decoder_pred(self.decoder_norm(h))[:, 1:]

    def reconstruction_loss(self, images, pred, removed):
        """Mean squared error per patch, averaged over the removed patches."""
        target = self.patchify(images)
        if self.norm_pix_loss:
            target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + EPS).sqrt()
        per_patch = (pred - target).square().mean(-1)
        return (per_patch * removed).sum() / removed.sum()

    def forward(self, imgs, mask_ratio=0.75, noise=None):
        """(loss, pred, removed): the loss, every patch's prediction, and 1 for the removed patches."""
        latent, kept, removed = self.encode(imgs, mask_ratio, noise)
        pred = self.decode(latent, kept)
        return self.reconstruction_loss(imgs, pred, removed), pred, removed

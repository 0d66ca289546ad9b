#!/usr/bin/python3
"""Trains the demo embedding model on procedurally generated images only and exports it to ONNX.

No real image is seen in training (research.md section 2, "perception with no real data"): every
training image is drawn on the fly from a procedural generator (dead leaves, silhouettes of a few
shapes on a plain background, thick Bezier strokes, gratings and smooth noise, shapes filled with
textures). A small CNN learns to embed them with SimCLR's InfoNCE loss between two augmentations
(random resized crop, flip, colour jitter, greyscale, blur, noise) of the same procedural image, so
all real images live only in the visual memory.

Output: models/demo/demo-model.onnx (input `pixels` float32 [N,3,32,32], normalised with mean
0.5 / std 0.5 per RGB channel; output `embedding` float32 [N,128], L2-normalised inside the graph)
and models/demo/demo-model.json (the preprocessing spec and the model's sha256).

Rebuild (Debian 12, CPU only; about 15 minutes on 2 cores):
    apt-get install -y python3-torch
    /usr/bin/python3 scripts/models/train_demo_model.py
"""

import argparse
import hashlib
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 32
DIM = 128
MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ----------------------------------------------------------------------------------------------
# Procedural images
# ----------------------------------------------------------------------------------------------

def _grid(size):
    c = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1  # pixel centres in [-1, 1]
    y, x = torch.meshgrid(c, c, indexing="ij")
    return x, y


def _smooth_noise(g, b, size):
    """Low-frequency colour noise: a random 2x2..8x8 grid upsampled bicubically."""
    out = torch.empty(b, 3, size, size)
    cells = torch.randint(2, 9, (b,), generator=g)
    for n in cells.unique().tolist():
        idx = (cells == n).nonzero().squeeze(1)
        low = torch.rand(len(idx), 3, n, n, generator=g)
        out[idx] = F.interpolate(low, size=(size, size), mode="bicubic", align_corners=False)
    return out.clamp(0, 1)


def _gratings(g, b, k, x, y):
    """[b, k, 1, H, W] in [0, 1]: a sinusoid (or square wave) of random frequency and orientation."""
    theta = torch.rand(b, k, 1, 1, 1, generator=g) * math.pi
    freq = 2 + torch.rand(b, k, 1, 1, 1, generator=g) * 14
    phase = torch.rand(b, k, 1, 1, 1, generator=g) * 2 * math.pi
    u = x * torch.cos(theta) + y * torch.sin(theta)
    wave = torch.sin(freq * u + phase)
    square = torch.rand(b, k, 1, 1, 1, generator=g) < 0.4
    wave = torch.where(square, torch.sign(wave), wave)
    return 0.5 * (1 + wave)


def procedural_batch(g, b, size=SIZE, layers=12):
    """b images [b, 3, size, size] in [0, 1], each a background plus up to `layers` shapes."""
    x, y = _grid(size)
    x = x.view(1, 1, size, size)
    y = y.view(1, 1, size, size)

    # Background: plain (often dark, as product photos and digits are), smooth noise or a grating.
    kind = torch.randint(0, 3, (b,), generator=g)
    plain = torch.rand(b, 3, 1, 1, generator=g)
    dark = torch.rand(b, 1, 1, 1, generator=g) < 0.35
    plain = torch.where(dark, plain * 0.15, plain).expand(b, 3, size, size)
    c1 = torch.rand(b, 1, 3, 1, 1, generator=g)
    c2 = torch.rand(b, 1, 3, 1, 1, generator=g)
    grating = (c1 + (c2 - c1) * _gratings(g, b, 1, x.unsqueeze(2), y.unsqueeze(2))).squeeze(1)
    noise = _smooth_noise(g, b, size)
    img = torch.where((kind == 0).view(b, 1, 1, 1), plain,
                      torch.where((kind == 1).view(b, 1, 1, 1), noise, grating))

    # Scene style: dead leaves over the whole canvas, or a few shapes grouped as one "object".
    k = layers
    leaves = torch.rand(b, 1, 1, 1, generator=g) < 0.45
    count = torch.where(leaves.view(b), torch.randint(6, k + 1, (b,), generator=g),
                        torch.randint(1, 5, (b,), generator=g))
    active = (torch.arange(k).view(1, k) < count.view(b, 1)).float().view(b, k, 1, 1)
    spread = torch.where(leaves, torch.ones(b, 1, 1, 1), 0.15 + 0.35 * torch.rand(b, 1, 1, 1, generator=g))
    cx = (torch.rand(b, k, 1, 1, generator=g) * 2 - 1) * spread
    cy = (torch.rand(b, k, 1, 1, generator=g) * 2 - 1) * spread
    # Sizes: a power law for dead leaves (many small, a few large), moderate for objects.
    u = torch.rand(b, k, 1, 1, generator=g)
    r_leaves = 0.08 * (1 - u * (1 - (0.08 / 0.9) ** 2)) ** -0.5
    r_object = 0.2 + 0.45 * u
    r = torch.where(leaves, r_leaves, r_object)
    aspect = 0.3 + 0.7 * torch.rand(b, k, 1, 1, generator=g)
    theta = torch.rand(b, k, 1, 1, generator=g) * math.pi
    ct, st = torch.cos(theta), torch.sin(theta)
    dx, dy = x - cx, y - cy
    pu = (dx * ct + dy * st) / r
    pv = (-dx * st + dy * ct) / (r * aspect)
    soft = size / 2.0  # ~1 pixel wide anti-aliased edges

    # Signed-distance-like fields (negative inside) for four shape kinds, in units of ~pixels.
    d_ellipse = (torch.sqrt(pu ** 2 + pv ** 2) - 1) * r
    d_rect = (torch.maximum(pu.abs(), pv.abs()) - 1) * r
    d_triangle = (torch.maximum(torch.maximum(-pv - 0.5, 0.866 * pu + 0.5 * pv - 0.5),
                                -0.866 * pu + 0.5 * pv - 0.5)) * r * 1.5
    # Stroke: a thick quadratic Bezier curve (digits, seams, straps), distance to 10 samples on it.
    p0x, p0y = cx + (torch.rand(b, k, 1, 1, generator=g) - 0.5) * 1.2, cy + (torch.rand(b, k, 1, 1, generator=g) - 0.5) * 1.2
    p1x, p1y = cx + (torch.rand(b, k, 1, 1, generator=g) - 0.5) * 1.6, cy + (torch.rand(b, k, 1, 1, generator=g) - 0.5) * 1.6
    p2x, p2y = cx + (torch.rand(b, k, 1, 1, generator=g) - 0.5) * 1.2, cy + (torch.rand(b, k, 1, 1, generator=g) - 0.5) * 1.2
    width = 0.05 + 0.1 * torch.rand(b, k, 1, 1, generator=g)
    d_stroke = None
    for t in torch.linspace(0, 1, 10).tolist():
        bx = (1 - t) ** 2 * p0x + 2 * (1 - t) * t * p1x + t ** 2 * p2x
        by = (1 - t) ** 2 * p0y + 2 * (1 - t) * t * p1y + t ** 2 * p2y
        d = torch.sqrt((x - bx) ** 2 + (y - by) ** 2)
        d_stroke = d if d_stroke is None else torch.minimum(d_stroke, d)
    d_stroke = d_stroke - width

    shape = torch.randint(0, 4, (b, k, 1, 1), generator=g)
    dist = torch.where(shape == 0, d_ellipse, torch.where(shape == 1, d_rect,
                       torch.where(shape == 2, d_triangle, d_stroke)))
    alpha = torch.sigmoid(-dist * soft * 2) * active  # [b, k, H, W]

    # Fill: a flat colour, or a two-colour grating (texture) clipped to the shape.
    f1 = torch.rand(b, k, 3, 1, 1, generator=g)
    f2 = torch.rand(b, k, 3, 1, 1, generator=g)
    textured = (torch.rand(b, k, 1, 1, 1, generator=g) < 0.35).float()
    wave = _gratings(g, b, k, x.unsqueeze(2), y.unsqueeze(2))
    fill = f1 + (f2 - f1) * wave * textured  # [b, k, 3, H, W]

    for i in range(k):  # paint back to front (occlusion, as in dead leaves)
        a = alpha[:, i:i + 1]
        img = img * (1 - a) + fill[:, i] * a
    return img.clamp(0, 1)


# ----------------------------------------------------------------------------------------------
# Augmentations (batched, per-sample random parameters)
# ----------------------------------------------------------------------------------------------

def augment(g, img):
    b = img.shape[0]
    # Random resized crop (area 0.25..1, aspect 3/4..4/3) and horizontal flip via an affine grid.
    area = 0.25 + 0.75 * torch.rand(b, generator=g)
    logr = (torch.rand(b, generator=g) * 2 - 1) * math.log(4 / 3)
    sx = torch.sqrt(area * torch.exp(logr)).clamp(max=1)
    sy = torch.sqrt(area / torch.exp(logr)).clamp(max=1)
    tx = (torch.rand(b, generator=g) * 2 - 1) * (1 - sx)
    ty = (torch.rand(b, generator=g) * 2 - 1) * (1 - sy)
    flip = torch.where(torch.rand(b, generator=g) < 0.5, -1.0, 1.0)
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = sx * flip
    theta[:, 0, 2] = tx
    theta[:, 1, 1] = sy
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    out = F.grid_sample(img, grid, mode="bilinear", padding_mode="reflection", align_corners=False)

    # Colour jitter (p=0.8): brightness, contrast, saturation 0.4; hue by a random channel mix.
    jit = (torch.rand(b, 1, 1, 1, generator=g) < 0.8).float()
    bright = 1 + (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * 0.4
    contrast = 1 + (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * 0.4
    sat = 1 + (torch.rand(b, 1, 1, 1, generator=g) * 2 - 1) * 0.4
    grey = (0.299 * out[:, 0:1] + 0.587 * out[:, 1:2] + 0.114 * out[:, 2:3])
    j = out * bright
    j = (j - j.mean(dim=(1, 2, 3), keepdim=True)) * contrast + j.mean(dim=(1, 2, 3), keepdim=True)
    gj = 0.299 * j[:, 0:1] + 0.587 * j[:, 1:2] + 0.114 * j[:, 2:3]
    j = gj + (j - gj) * sat
    perm = torch.stack([torch.randperm(3, generator=g) for _ in range(b)])
    shuffle = (torch.rand(b, generator=g) < 0.2)
    j = torch.where(shuffle.view(b, 1, 1, 1), torch.gather(j, 1, perm.view(b, 3, 1, 1).expand_as(j)), j)
    out = jit * j + (1 - jit) * out

    # Greyscale (p=0.5: Fashion-MNIST and MNIST are greyscale), blur (p=0.3), small noise.
    grey = 0.299 * out[:, 0:1] + 0.587 * out[:, 1:2] + 0.114 * out[:, 2:3]
    to_grey = (torch.rand(b, 1, 1, 1, generator=g) < 0.5).float()
    out = to_grey * grey.expand_as(out) + (1 - to_grey) * out
    blurred = F.avg_pool2d(F.pad(out, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    blur = (torch.rand(b, 1, 1, 1, generator=g) < 0.3).float()
    out = blur * blurred + (1 - blur) * out
    out = out + torch.randn(out.shape, generator=g) * 0.02 * torch.rand(b, 1, 1, 1, generator=g)
    return out.clamp(0, 1)


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------

def block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Embedder(nn.Module):
    """A 6-layer CNN, 32x32 RGB -> 128-d, global average pooled."""

    def __init__(self, widths=(16, 32, 64, DIM)):
        super().__init__()
        a, b, c, d = widths
        self.features = nn.Sequential(
            block(3, a, 1), block(a, b, 2), block(b, b, 1), block(b, c, 2), block(c, c, 1), block(c, d, 2))

    def forward(self, x):
        return self.features(x).mean(dim=(2, 3))


class Exported(nn.Module):
    """What goes into the ONNX file: the embedder followed by L2 normalisation."""

    def __init__(self, embedder):
        super().__init__()
        self.embedder = embedder

    def forward(self, pixels):
        e = self.embedder(pixels)
        return e / torch.sqrt((e * e).sum(dim=1, keepdim=True) + 1e-12)


def info_nce(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    sim = z @ z.t() / temperature
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, target)


def normalise(img):
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (img - mean) / std


# ----------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=220)
    p.add_argument("--batch", type=int, default=256, help="procedural images per step (two views each)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--temperature", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=os.path.join(REPO, "models", "demo"))
    p.add_argument("--save-samples", metavar="PNG", help="write a grid of procedural images and views, then exit")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    if args.save_samples:
        imgs = procedural_batch(g, 32)
        views = augment(g, imgs)
        grid = torch.cat([imgs, views]).view(8, 8, 3, SIZE, SIZE).permute(0, 3, 1, 4, 2).reshape(8 * SIZE, 8 * SIZE, 3)
        write_ppm_as_png(args.save_samples, (grid * 255).round().byte())
        return

    model = Embedder()
    head = nn.Sequential(nn.Linear(DIM, 256), nn.ReLU(inplace=True), nn.Linear(256, 64))
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    warmup = max(1, args.steps // 20)

    def lr_at(step):
        if step < warmup:
            return args.lr * (step + 1) / warmup
        return args.lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, args.steps - warmup)))

    start = time.time()
    gen_time = 0.0
    for step in range(args.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        t0 = time.time()
        with torch.no_grad():
            imgs = procedural_batch(g, args.batch)
            v1 = normalise(augment(g, imgs))
            v2 = normalise(augment(g, imgs))
        gen_time += time.time() - t0
        loss = info_nce(head(model(v1)), head(model(v2)), args.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss.item():.4f}  lr {lr_at(step):.5f}  "
                  f"elapsed {time.time() - start:6.1f}s (generation {gen_time:5.1f}s)", flush=True)
    train_seconds = time.time() - start

    model.eval()
    exported = Exported(model)
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "demo-model.onnx")
    torch.save(model.state_dict(), os.path.join("/tmp", "demo-model.pt"))
    dummy = torch.zeros(2, 3, SIZE, SIZE)
    torch.onnx.export(exported, dummy, onnx_path, input_names=["pixels"], output_names=["embedding"],
                      dynamic_axes={"pixels": {0: "batch"}, "embedding": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    exported.eval()  # torch.onnx.export restores the wrapper's train mode, which reaches the BatchNorms
    check_export(exported, onnx_path, args.seed)
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    spec = {
        "name": "demo-procedural-cnn",
        "description": "Small CNN trained only on procedurally generated images (SimCLR/InfoNCE), "
                       "no real image seen; made by scripts/models/train_demo_model.py",
        "file": "demo-model.onnx",
        "sha256": sha,
        "opset": 13,
        "input": {"name": "pixels", "dtype": "float32", "shape": ["N", 3, SIZE, SIZE], "layout": "NCHW",
                  "channel_order": "RGB", "width": SIZE, "height": SIZE,
                  "resize": "bilinear, stretch the whole image to 32x32 (no crop, aspect not kept)",
                  "greyscale": "replicate the grey channel into R, G and B",
                  "scale": "pixel / 255", "mean": MEAN, "std": STD,
                  "formula": "(pixel / 255 - mean[c]) / std[c]"},
        "output": {"name": "embedding", "dtype": "float32", "shape": ["N", DIM], "dimension": DIM,
                   "l2_normalised": True},
        "training": {"data": "procedural only (dead leaves, shape silhouettes, Bezier strokes, gratings, smooth noise)",
                     "objective": "SimCLR InfoNCE between two augmentations, temperature %g" % args.temperature,
                     "steps": args.steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                     "threads": args.threads, "torch": torch.__version__,
                     "seconds": round(train_seconds, 1), "final_loss": round(loss.item(), 4)},
    }
    with open(os.path.join(args.out, "demo-model.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print(f"trained {args.steps} steps in {train_seconds:.1f}s; wrote {onnx_path} "
          f"({os.path.getsize(onnx_path)} bytes, sha256 {sha})")


def check_export(exported, onnx_path, seed, tolerance=1e-4):
    """Runs the ONNX file (eval_demo_model's interpreter) and the torch module on 512 procedural
    images and 512 Fashion-MNIST test images (when installed); fails past `tolerance`."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import eval_demo_model
    onnx_model = eval_demo_model.OnnxModel(onnx_path)
    g = torch.Generator().manual_seed(seed + 1000)  # its own stream: the check changes nothing above
    batches = {"procedural": normalise(procedural_batch(g, 512))}
    fashion = os.path.join(eval_demo_model.FASHION, "t10k-images-idx3-ubyte.gz")
    if os.path.exists(fashion):
        spec = {"input": {"height": SIZE, "width": SIZE, "mean": MEAN, "std": STD}}
        batches["fashion-mnist"] = eval_demo_model.preprocess(eval_demo_model.read_idx(fashion)[:512], spec)
    with torch.no_grad():
        for name, x in batches.items():
            diff = (onnx_model(x) - exported(x)).abs().max().item()
            print(f"ONNX vs torch on 512 {name} images: max |difference| {diff:.2e}")
            if not diff <= tolerance:
                raise SystemExit(f"exported ONNX differs from the torch model by {diff} > {tolerance}")


def write_ppm_as_png(path, rgb):
    """Writes an RGB uint8 tensor [H, W, 3] as a PNG with zlib only (no imaging library needed)."""
    import struct
    import zlib
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + bytes(rgb[i].reshape(-1).tolist()) for i in range(h))

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    sys.exit(main())

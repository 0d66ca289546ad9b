#!/usr/bin/env python3
"""Writes the image-decoding test inputs (and PIL reference outputs) into OUT_DIR.

Usage: /usr/bin/python3 scripts/images/make_test_images.py OUT_DIR

Deterministic (fixed seeds), needs Debian's python3-pil and python3-numpy. The tests in
tests/VisualMemory.Imaging.Tests run it once per test run; nothing generated is committed.
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image


def smooth_rgb(width, height, seed):
    """A smooth, asymmetric colour image (gradients plus a few soft blobs), uint8 HxWx3."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 255 * x / max(width - 1, 1)
    g = 255 * y / max(height - 1, 1)
    b = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0)
    img = np.stack([r, g, b], axis=-1)
    for _ in range(6):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(0.05, 0.2) * min(width, height)
        colour = rng.uniform(0, 255, size=3)
        weight = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius ** 2))[..., None]
        img = img * (1 - weight) + colour * weight
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def marked_rgb(width, height):
    """Grey image with a pure red square in the top-left corner and a blue one in the bottom-right."""
    img = np.full((height, width, 3), 128, np.uint8)
    s = min(width, height) // 4
    img[:s, :s] = (255, 0, 0)
    img[-s:, -s:] = (0, 0, 255)
    return img


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png_raw(path, width, height, bit_depth, colour_type, rows_bytes, idat=None):
    """A hand-written PNG (PIL cannot write 16-bit RGB, nor a header that lies about its size)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    if idat is None:
        idat = zlib.compress(b"".join(b"\x00" + row for row in rows_bytes), 9)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)

    # A ~1000x750 photo-like JPEG: the throughput benchmark's input and the truncation source.
    photo = Image.fromarray(smooth_rgb(1000, 750, seed=1))
    photo.save(p("photo.jpg"), quality=90)

    # The numeric reference: decode + shorter side to 224 + centre crop, done by PIL with Lanczos.
    ref = Image.fromarray(smooth_rgb(900, 600, seed=2))
    ref.save(p("reference.png"))
    scale = 224 / min(ref.size)
    resized = ref.resize((round(ref.width * scale), round(ref.height * scale)), Image.LANCZOS)
    left, top = (resized.width - 224) // 2, (resized.height - 224) // 2
    with open(p("reference_crop224.rgb"), "wb") as f:
        f.write(resized.crop((left, top, left + 224, top + 224)).tobytes())
    with open(p("reference_stretch160x90.rgb"), "wb") as f:
        f.write(ref.resize((160, 90), Image.LANCZOS).tobytes())

    marked = Image.fromarray(marked_rgb(64, 48))
    marked.save(p("marked.png"))
    marked.save(p("marked.jpg"), quality=95)
    marked.save(p("marked.webp"), lossless=True)
    marked.save(p("marked.gif"))
    marked.save(p("marked.tiff"))

    # Greyscale: a horizontal ramp, 8-bit and 16-bit.
    ramp = np.tile(np.linspace(0, 255, 64), (48, 1))
    Image.fromarray(np.round(ramp).astype(np.uint8), "L").save(p("grey.png"))
    grey16 = np.round(ramp * 257).astype(">u2")
    write_png_raw(p("grey16.png"), 64, 48, 16, 0, [row.tobytes() for row in grey16])
    # 16-bit RGB: the marked image scaled to 0..65535, big-endian samples.
    rgb16 = (marked_rgb(64, 48).astype(np.uint32) * 257).astype(">u2")
    write_png_raw(p("rgb16.png"), 64, 48, 16, 2, [row.tobytes() for row in rgb16])

    # CMYK JPEG: left half pure red (C0 M255 Y255 K0), right half pure cyan.
    cmyk = np.zeros((48, 64, 4), np.uint8)
    cmyk[:, :32] = (0, 255, 255, 0)
    cmyk[:, 32:] = (255, 0, 0, 0)
    Image.fromarray(cmyk, "CMYK").save(p("cmyk.jpg"), quality=95)

    # RGBA: left half fully transparent (black under it), right half opaque blue.
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[:, 32:] = (0, 0, 255, 255)
    Image.fromarray(rgba, "RGBA").save(p("rgba.png"))

    # EXIF orientation 6 (rotate 90 degrees clockwise to display): a 200x100 image stored with the red
    # square top-left; displayed, it is 100x200 with the red square top-right.
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(marked_rgb(200, 100)).save(p("exif6.jpg"), quality=95, exif=exif.tobytes())

    data = open(p("photo.jpg"), "rb").read()
    with open(p("truncated.jpg"), "wb") as f:
        f.write(data[: len(data) * 6 // 10])
    # Corrupt: a valid start, then the quantisation and frame headers overwritten with noise.
    noisy = bytearray(data)
    noisy[2:600] = np.random.default_rng(3).integers(0, 256, 598, dtype=np.uint8).tobytes()
    with open(p("corrupt.jpg"), "wb") as f:
        f.write(bytes(noisy))
    # Corrupt PNG: one byte of the pixel data flipped, so the IDAT checksum fails.
    png = bytearray(open(p("marked.png"), "rb").read())
    png[png.index(b"IDAT") + 40] ^= 0xFF
    with open(p("corrupt.png"), "wb") as f:
        f.write(bytes(png))

    with open(p("empty.jpg"), "wb"):
        pass
    with open(p("text.txt"), "wb") as f:
        f.write(b"not an image\n")

    # Decompression bomb: a 30000x30000 RGB PNG (2.7 GB of pixels) whose deflate stream is all
    # zeros; only the first 64 rows are written, which is plenty for a decoder that starts.
    bomb_rows = zlib.compress(b"\x00" * (64 * (30000 * 3 + 1)), 9)
    write_png_raw(p("bomb.png"), 30000, 30000, 8, 2, None, idat=bomb_rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

"""Test inputs for EmbeddingBenchmark, written into OUT_DIR:

images/: 32 greyscale 28x28 PNGs and 32 colour 640x480 JPEGs (quality 90), deterministic (seed 6).
synthetic-cnn.onnx + synthetic-cnn.spec.json: a ResNet-ish stem with random weights (5 strided 3x3 Conv+ReLU,
16-32-64-96-128 channels, global average pool, MatMul to 128-d; ~51 M multiply-adds per image), float32 [N, 3, 224, 224] -> [N, 128], free batch dimension.
Usage: /usr/bin/python3 make_inputs.py OUT_DIR   (needs python3-pil, python3-numpy, python3-onnx)
"""
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

out = sys.argv[1]
images = os.path.join(out, "images")
os.makedirs(images, exist_ok=True)
rng = np.random.default_rng(6)

for i in range(32):
    # A digit-like blob: a few strokes on black, like Fashion-MNIST/MNIST sized inputs.
    img = Image.new("L", (28, 28), 0)
    d = ImageDraw.Draw(img)
    for _ in range(3):
        x0, y0, x1, y1 = (int(v) for v in rng.integers(2, 26, 4))
        d.line((x0, y0, x1, y1), fill=int(rng.integers(128, 256)), width=int(rng.integers(1, 4)))
    img.save(os.path.join(images, f"grey28-{i:02d}.png"))

yy, xx = np.mgrid[0:480, 0:640].astype(np.float32)
for i in range(32):
    # Smooth gradients plus shapes plus mild noise: closer to a photo's entropy than pure noise.
    a, b, c = rng.uniform(0.2, 1.0, 3)
    base = np.stack([
        128 + 100 * np.sin(xx / (40 + 60 * a) + i),
        128 + 100 * np.cos(yy / (30 + 70 * b) - i),
        128 + 100 * np.sin((xx + yy) / (50 + 50 * c)),
    ], axis=-1)
    base += rng.normal(0, 8, base.shape)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = (int(v) for v in rng.integers(0, 560, 2))
        d.ellipse((x0, y0 % 400, x0 + int(rng.integers(20, 120)), y0 % 400 + int(rng.integers(20, 120))),
                  fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    img.save(os.path.join(images, f"colour640-{i:02d}.jpg"), quality=90)

# --- synthetic ResNet-ish CNN -------------------------------------------------------------
import onnx
from onnx import TensorProto, helper, numpy_helper

layers = [  # (in, out, stride); 224 -> 112 -> 56 -> 28 -> 14 -> 7
    (3, 16, 2), (16, 32, 2), (32, 64, 2), (64, 96, 2), (96, 128, 2),
]
nodes, inits = [], []
prev, side, macs = "pixels", 224, 0
for k, (cin, cout, stride) in enumerate(layers):
    w = (rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))).astype(np.float32)
    b = np.zeros(cout, np.float32)
    inits += [numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")]
    nodes.append(helper.make_node("Conv", [prev, f"w{k}", f"b{k}"], [f"c{k}"], kernel_shape=[3, 3],
                                  strides=[stride, stride], pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", [f"c{k}"], [f"r{k}"]))
    side //= stride
    macs += side * side * cout * cin * 9
    prev = f"r{k}"
nodes.append(helper.make_node("GlobalAveragePool", [prev], ["gap"]))
nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1))
fc = (rng.standard_normal((128, 128)) / np.sqrt(128)).astype(np.float32)
inits.append(numpy_helper.from_array(fc, "fc"))
nodes.append(helper.make_node("MatMul", ["flat", "fc"], ["embedding"]))
macs += 128 * 128
graph = helper.make_graph(
    nodes, "synthetic-cnn",
    [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 3, 224, 224])],
    [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 128])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "synthetic-cnn.onnx"))
spec = {"name": "synthetic-cnn", "dimension": 128, "resizeShorterSide": 256, "cropSize": 224,
        "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "channels": "rgb",
        "inputName": "pixels", "outputName": "embedding", "normalizeOutput": True}
with open(os.path.join(out, "synthetic-cnn.spec.json"), "w") as f:
    json.dump(spec, f)
print(f"synthetic-cnn: {macs / 1e6:.1f} M multiply-adds per image ({2 * macs / 1e6:.0f} MFLOPs)")

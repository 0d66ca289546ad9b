#!/usr/bin/python3
"""kNN accuracy of the demo embedding model (models/demo/demo-model.onnx) against raw pixels.

Runs the committed ONNX file itself: a small interpreter below executes its graph node by node
with torch operators (python3-onnx 1.12 in Debian 12 has no reference evaluator and there is no
onnxruntime package). train_demo_model.py checks at export time that this interpreter's output
equals the trained torch module's within 1e-4.

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). Debian 12 ships no MNIST;
pass --mnist DIR with the four idx .gz files to add it. Memory = the 60k training images, queries =
the 10k test images; cosine similarity, k = 1 and 10, plurality vote (ties go to the class whose
first neighbour ranks higher). Preprocessing follows models/demo/demo-model.json.

    /usr/bin/python3 scripts/models/eval_demo_model.py [--mnist DIR] [--limit N]
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(REPO, "models", "demo")
FASHION = "/usr/share/datasets/fashion-mnist"


# ----------------------------------------------------------------------------------------------
# A minimal ONNX interpreter (the operators torch.onnx emits for the demo model)
# ----------------------------------------------------------------------------------------------

class OnnxModel:
    def __init__(self, path):
        self.model = onnx.load(path)
        onnx.checker.check_model(self.model)
        self.weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
                        for t in self.model.graph.initializer}
        self.input = self.model.graph.input[0].name
        self.output = self.model.graph.output[0].name

    @staticmethod
    def _attrs(node):
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def __call__(self, x):
        env = dict(self.weights)
        env[self.input] = x
        for node in self.model.graph.node:
            a = self._attrs(node)
            i = [env[n] if n else None for n in node.input]
            op = node.op_type
            if op == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                assert pads[0] == pads[2] and pads[1] == pads[3], "asymmetric padding"
                y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, stride=a.get("strides", [1, 1]),
                             padding=pads[:2], dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = torch.relu(i[0])
            elif op == "ReduceMean":
                y = i[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
            elif op == "ReduceSum":
                axes = tuple(i[1].tolist()) if len(i) > 1 and i[1] is not None else tuple(a["axes"])
                y = i[0].sum(dim=axes, keepdim=bool(a.get("keepdims", 1)))
            elif op == "GlobalAveragePool":
                y = i[0].mean(dim=(2, 3), keepdim=True)
            elif op == "Flatten":
                y = torch.flatten(i[0], a.get("axis", 1))
            elif op == "Mul":
                y = i[0] * i[1]
            elif op == "Add":
                y = i[0] + i[1]
            elif op == "Div":
                y = i[0] / i[1]
            elif op == "Sqrt":
                y = torch.sqrt(i[0])
            elif op == "Constant":
                y = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            elif op == "Identity":
                y = i[0]
            else:
                raise NotImplementedError(f"ONNX operator {op} is not in the demo interpreter")
            env[node.output[0]] = y
        return env[self.output]


# ----------------------------------------------------------------------------------------------

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(directory, limit):
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    xtr, ytr, xte, yte = (read_idx(os.path.join(directory, n)) for n in names)
    if limit:
        xtr, ytr, xte, yte = xtr[:limit * 6], ytr[:limit * 6], xte[:limit], yte[:limit]
    return xtr, ytr.astype(np.int64), xte, yte.astype(np.int64)


def preprocess(grey, spec):
    """uint8 [N, H, W] greyscale -> float32 [N, 3, S, S] as the spec says."""
    inp = spec["input"]
    x = torch.from_numpy(grey.astype(np.float32) / 255.0).unsqueeze(1)
    x = F.interpolate(x, size=(inp["height"], inp["width"]), mode="bilinear", align_corners=False)
    x = x.expand(-1, 3, -1, -1)
    mean = torch.tensor(inp["mean"], dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(inp["std"], dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std


def embed(model, grey, spec, batch=1000):
    out = []
    with torch.no_grad():
        for s in range(0, len(grey), batch):
            out.append(model(preprocess(grey[s:s + batch], spec)).numpy())
    return np.concatenate(out).astype(np.float32)


def l2(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def knn_accuracy(train, ytr, test, yte, ks=(1, 10), chunk=500):
    """Cosine kNN (rows must be L2-normalised); plurality vote; returns {k: accuracy %}."""
    kmax = max(ks)
    ncls = int(ytr.max()) + 1
    correct = {k: 0 for k in ks}
    for s in range(0, len(test), chunk):
        sim = test[s:s + chunk] @ train.T
        top = np.argpartition(-sim, kmax, axis=1)[:, :kmax]
        order = np.argsort(-np.take_along_axis(sim, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        labels = ytr[top]  # [q, kmax], nearest first
        for k in ks:
            votes = np.zeros((len(labels), ncls))
            for r in range(k - 1, -1, -1):  # nearest neighbour last, so its tie-break bonus wins
                np.add.at(votes, (np.arange(len(labels)), labels[:, r]), 1.0)
            # tie-break: among classes with equal votes, the one whose first neighbour ranks higher
            first = np.full((len(labels), ncls), k, dtype=np.float64)
            for r in range(k - 1, -1, -1):
                first[np.arange(len(labels)), labels[:, r]] = r
            pred = np.argmax(votes - first / (k + 1), axis=1)
            correct[k] += int((pred == yte[s:s + chunk]).sum())
    return {k: 100.0 * correct[k] / len(test) for k in ks}


def evaluate(name, directory, model, spec, limit):
    xtr, ytr, xte, yte = load(directory, limit)
    rows = []
    ptr = xtr.reshape(len(xtr), -1).astype(np.float32) / 255
    pte = xte.reshape(len(xte), -1).astype(np.float32) / 255
    rows.append(("raw pixels, cosine", knn_accuracy(l2(ptr), ytr, l2(pte), yte)))
    mean = ptr.mean(axis=0)
    rows.append(("raw pixels, mean-centred cosine (README demo)", knn_accuracy(l2(ptr - mean), ytr, l2(pte - mean), yte)))
    t = time.time()
    etr = embed(model, xtr, spec)
    ete = embed(model, xte, spec)
    seconds = time.time() - t
    rows.append(("demo model, cosine", knn_accuracy(etr, ytr, ete, yte)))
    emean = etr.mean(axis=0)
    rows.append(("demo model, mean-centred cosine", knn_accuracy(l2(etr - emean), ytr, l2(ete - emean), yte)))
    print(f"\n{name}: memory {len(xtr)}, queries {len(xte)}; embedded {len(xtr) + len(xte)} images "
          f"in {seconds:.1f}s ({(len(xtr) + len(xte)) / seconds:.0f} images/s)")
    print("| features | k=1 | k=10 |\n|---|---|---|")
    for label, acc in rows:
        print(f"| {label} | {acc[1]:.2f} | {acc[10]:.2f} |")
    sys.stdout.flush()
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.path.join(MODEL_DIR, "demo-model.onnx"))
    p.add_argument("--spec", default=os.path.join(MODEL_DIR, "demo-model.json"))
    p.add_argument("--fashion", default=FASHION)
    p.add_argument("--mnist", help="directory with MNIST's four idx .gz files (Debian 12 ships none)")
    p.add_argument("--limit", type=int, default=0, help="use only N queries and 6N memory images (quick run)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    with open(args.spec) as f:
        spec = json.load(f)
    import hashlib
    with open(args.model, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    if sha != spec["sha256"]:
        sys.exit(f"{args.model} sha256 {sha} does not match the spec's {spec['sha256']}")
    model = OnnxModel(args.model)
    print(f"model {args.model} ({os.path.getsize(args.model)} bytes, sha256 {sha[:16]}...), "
          f"ops: {sorted({n.op_type for n in model.model.graph.node})}")

    evaluate("Fashion-MNIST", args.fashion, model, spec, args.limit)
    if args.mnist:
        evaluate("MNIST", args.mnist, model, spec, args.limit)
    else:
        print("\nMNIST: skipped (Debian 12 has no MNIST package; pass --mnist DIR)")


if __name__ == "__main__":
    main()

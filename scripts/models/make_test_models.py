#!/usr/bin/env python3
"""Builds the small ONNX models the VisualMemory.OnnxRuntime tests run, with NumPy reference outputs.

Run with Debian's python3 (python3-onnx, python3-numpy; see scripts/setup.sh):

    /usr/bin/python3 scripts/models/make_test_models.py [OUT_DIR]

OUT_DIR defaults to tests/VisualMemory.OnnxRuntime.Tests/TestData, where the outputs are committed
(a few KB; weights come from a fixed seed, so a re-run writes the same values). It writes:

  tiny_embedder.onnx   Conv(3->8, 3x3, pad 1) + Relu + GlobalAveragePool + Flatten + Gemm(8->16);
                       input "image" [N, 3, 8, 8], output "embedding" [N, 16]
  tiny_embedder_input.npy     [8, 192]  eight images, each flattened from [3, 8, 8]
  tiny_embedder_expected.npy  [8, 16]   NumPy's forward pass on them
  matmul.onnx          input "x" [N, 32] times a fixed [32, 8] matrix; output "y" [N, 8]
  matmul_input.npy, matmul_expected.npy   [4, 32] and [4, 8]

The references are computed in float64 from the same float32 weights and stored as float32.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8  # onnx 1.12 (Debian 12) writes IR 8 for opset 13; ONNX Runtime 1.29 reads it


def make_model(graph):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="make_test_models.py")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def conv2d_same_3x3(x, w, b):
    """x [N, C, H, W], w [O, C, 3, 3], b [O]: stride 1, zero padding 1."""
    n, c, h, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, width), dtype=np.float64)
    for dy in range(3):
        for dx in range(3):
            patch = padded[:, :, dy:dy + h, dx:dx + width]  # [N, C, H, W]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, dy, dx])
    return out + b[None, :, None, None]


def tiny_embedder(rng, out_dir):
    conv_w = (rng.standard_normal((8, 3, 3, 3)) * 0.3).astype(np.float32)
    conv_b = (rng.standard_normal(8) * 0.1).astype(np.float32)
    fc_w = (rng.standard_normal((16, 8)) * 0.5).astype(np.float32)  # Gemm with transB=1: [out, in]
    fc_b = (rng.standard_normal(16) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "conv_w", "conv_b"], ["conv"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["embedding"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_embedder",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 16])],
        initializer=[numpy_helper.from_array(a, name) for a, name in
                     [(conv_w, "conv_w"), (conv_b, "conv_b"), (fc_w, "fc_w"), (fc_b, "fc_b")]],
    )
    onnx.save(make_model(graph), os.path.join(out_dir, "tiny_embedder.onnx"))

    images = rng.standard_normal((8, 3, 8, 8)).astype(np.float32)
    x = images.astype(np.float64)
    features = np.maximum(conv2d_same_3x3(x, conv_w.astype(np.float64), conv_b.astype(np.float64)), 0).mean(axis=(2, 3))
    expected = features @ fc_w.astype(np.float64).T + fc_b.astype(np.float64)
    np.save(os.path.join(out_dir, "tiny_embedder_input.npy"), images.reshape(8, -1))
    np.save(os.path.join(out_dir, "tiny_embedder_expected.npy"), expected.astype(np.float32))


def matmul(rng, out_dir):
    w = rng.standard_normal((32, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8])],
        initializer=[numpy_helper.from_array(w, "w")],
    )
    onnx.save(make_model(graph), os.path.join(out_dir, "matmul.onnx"))
    x = rng.standard_normal((4, 32)).astype(np.float32)
    np.save(os.path.join(out_dir, "matmul_input.npy"), x)
    np.save(os.path.join(out_dir, "matmul_expected.npy"), (x.astype(np.float64) @ w.astype(np.float64)).astype(np.float32))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "tests", "VisualMemory.OnnxRuntime.Tests", "TestData")
    out_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default)
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20261122)
    tiny_embedder(rng, out_dir)
    matmul(rng, out_dir)
    for name in sorted(os.listdir(out_dir)):
        print(f"{os.path.join(out_dir, name)}: {os.path.getsize(os.path.join(out_dir, name))} bytes")


if __name__ == "__main__":
    main()

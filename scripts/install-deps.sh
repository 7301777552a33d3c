#!/usr/bin/env bash
# Installs every Debian package tessera uses, and the npm package of the benchmark's ONNX
# Runtime runner. Idempotent: does nothing when everything is present. Runs apt-get as
# root (or through sudo when not root).
set -euo pipefail

packages=(
  # build
  cmake ninja-build ccache g++ make pkg-config git
  # libFuzzer (the importer's fuzz target)
  clang
  # core libraries
  libhwy-dev libsleef-dev libdnnl-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # reference implementations
  python3 python3-numpy python3-torch python3-torchvision python3-onnx libtorch-dev
  # the ONNX conformance cases (node/, simple/, pytorch-converted/, pytorch-operator/)
  libonnx-testdata
  # the BLAS PyTorch is measured with (without it, Debian's torch uses the netlib reference BLAS)
  libopenblas0-openmp
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime's CPU build, the peer of the op benchmark (bench/runners/package.json).
# --ignore-scripts: its install script would download extra binaries; the CPU build ships
# inside the package. A missing npm or registry only skips that peer.
runners="$(cd "$(dirname "$0")/../bench/runners" && pwd)"
if [ ! -f "$runners/node_modules/onnxruntime-node/package.json" ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd "$runners" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
      echo "install-deps: warning: npm could not install onnxruntime-node; bench-ops will skip ONNX Runtime"
  else
    echo "install-deps: warning: no npm; bench-ops will skip ONNX Runtime"
  fi
fi

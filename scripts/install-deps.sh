#!/usr/bin/env bash
# Installs every Debian package (and npm package) tessera uses. Idempotent: does nothing
# when everything is present. Runs apt-get as root (or through sudo when not root).
set -euo pipefail

packages=(
  # build
  cmake ninja-build ccache g++ make pkg-config git
  # core libraries
  libhwy-dev libsleef-dev libdnnl-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # reference implementations
  python3 python3-numpy python3-torch python3-onnx libtorch-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

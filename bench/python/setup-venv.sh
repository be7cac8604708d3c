#!/usr/bin/env bash
# Makes bench/.venv from the offline wheels this machine image carries (no network): PyTorch CPU, transformers and
# safetensors, for the reference measurements of scripts/bench.sh speed. The product and its tests never need it.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=bench/.venv
[ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, transformers, safetensors' 2>/dev/null && exit 0
python3 -m venv "$venv"
links=()
for d in /opt/wheels /opt/pypi/files /opt/pypi-more/files; do [ -d "$d" ] && links+=(--find-links "$d"); done
torch_wheel="$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | head -1 || true)"
"$venv/bin/pip" install -q --no-index "${links[@]}" ${torch_wheel:-torch} numpy safetensors transformers

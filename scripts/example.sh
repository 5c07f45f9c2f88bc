#!/usr/bin/env bash
# The main job on the bundled examples: build and install the model into a
# private prefix, build the example programs against the installed package
# with pkg-config (as another project would) and run them, then replay the
# bundled traces against the model and draw one with trace2dot.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$PWD/build/prefix

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DMODEL_TESTS=OFF \
	-DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build build/release -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
cmake --install build/release >/dev/null

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig
for ex in ioas_session migration; do
	cc -std=gnu11 -Wall -Wextra -Werror "examples/$ex.c" \
		$(pkg-config --cflags --libs iommufd-model) -o "build/$ex"
done
"$prefix/bin/iommufd-sim" --version
echo "== examples/ioas_session.c: an IOAS session"
./build/ioas_session
echo "== examples/migration.c: dirty tracking with a VT-d device"
./build/migration
echo "== examples/traces/ioas-session.jsonl: replay against the model"
"$prefix/bin/iommufd-sim" replay examples/traces/ioas-session.jsonl
echo "== examples/traces/vm-dirty-migration.jsonl: a VT-d device, dirty tracking"
"$prefix/bin/iommufd-sim" replay examples/traces/vm-dirty-migration.jsonl
echo "== examples/traces/vfio-compat.jsonl: the /dev/vfio/vfio container interface"
"$prefix/bin/iommufd-sim" replay examples/traces/vfio-compat.jsonl
echo "== examples/traces/iopf.jsonl: page requests through a fault queue"
"$prefix/bin/iommufd-sim" replay examples/traces/iopf.jsonl
echo "== trace2dot: the VM trace's object graph after its attach and map (record 10)"
"$prefix/bin/trace2dot" --at=10 examples/traces/vm-dirty-migration.jsonl \
	-o build/vm-graph.dot
if command -v dot >/dev/null; then
	dot -Tsvg build/vm-graph.dot -o build/vm-graph.svg
	echo "picture: build/vm-graph.svg"
else
	echo "picture: build/vm-graph.dot (install graphviz to render it)"
fi

#!/usr/bin/env bash
# Build and run every test: the normal build (with the invariant checker
# after every ioctl), then the same suite under ASan+UBSan, then a short run
# of each fuzzer. Used by the README's test command and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DMODEL_DEBUG_INVARIANTS=ON >/dev/null
cmake --build build/test -j"$jobs"
ctest --test-dir build/test --output-on-failure -j"$jobs"

cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DMODEL_SANITIZE=ON \
	-DMODEL_DEBUG_INVARIANTS=ON >/dev/null
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --test-dir build/asan --output-on-failure -j"$jobs"

if command -v clang >/dev/null; then
	cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DMODEL_FUZZ=ON \
		-DMODEL_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build/fuzz -j"$jobs"
	for f in build/fuzz/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		corpus=fuzz/corpus/${name#fuzz_}
		mkdir -p build/fuzz/corpus-$name
		# A fixed seed: a CI failure replays the same inputs anywhere.
		# Open-ended campaigns: README.md, Fuzzing.
		dict=fuzz/${name#fuzz_}.dict
		"$f" -seed=1 -max_total_time=20 -print_final_stats=0 \
			$( [ -f "$dict" ] && echo "-dict=$dict" ) \
			build/fuzz/corpus-$name $( [ -d "$corpus" ] && echo "$corpus" )
	done
fi
echo "all tests passed"

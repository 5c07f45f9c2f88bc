#!/usr/bin/env bash
# Wall time of the kernel's own selftests under `iommufd-sim run`, printed
# as "NAME VALUE UNIT" like iommufd-bench. Builds them first through
# scripts/selftests.sh (which also checks their results).
# usage: tools/bench/selftests_bench.sh BUILD_DIR
set -uo pipefail
build=$(realpath "${1:?usage: selftests_bench.sh BUILD_DIR}")
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/scripts/selftests.sh" "$build" > /dev/null ||
	{ echo "selftests_bench.sh: scripts/selftests.sh failed" >&2; exit 1; }
total=0
for p in iommufd iommufd_fail_nth; do
	start=$(date +%s.%N)
	"$build/iommufd-sim" run --caps=all -- "$build/selftests/$p" \
		> /dev/null 2>&1
	end=$(date +%s.%N)
	s=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
	echo "kernel_selftests_${p}_wall $s s"
	total=$(awk -v t="$total" -v s="$s" 'BEGIN { printf "%.2f", t + s }')
done
echo "kernel_selftests_wall $total s"

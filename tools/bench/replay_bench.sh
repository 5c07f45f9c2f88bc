#!/usr/bin/env bash
# Replay throughput: a generated map/unmap churn trace of N records (1M by
# default) through `iommufd-sim replay`, printed as "NAME VALUE UNIT" like
# iommufd-bench. usage: tools/bench/replay_bench.sh BUILD_DIR [RECORDS]
set -euo pipefail
build=${1:?usage: replay_bench.sh BUILD_DIR [RECORDS]}
n=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
trace=$(mktemp --suffix=.jsonl)
trap 'rm -f "$trace"' EXIT
python3 "$here/gen_trace.py" "$n" "$trace"
start=$(date +%s.%N)
"$build/iommufd-sim" replay "$trace" >/dev/null
end=$(date +%s.%N)
awk -v n="$n" -v s="$start" -v e="$end" \
	'BEGIN { printf "replay_records_per_s %.0f records/s\n", n / (e - s) }'

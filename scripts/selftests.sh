#!/usr/bin/env bash
# Builds the kernel's own iommufd selftests (tools/testing/selftests/iommu
# of linux-source-6.12, sources untouched) and runs them against the model
# with `iommufd-sim run`, then prints pass/fail/skip counts per program.
#
# usage: scripts/selftests.sh [BUILD_DIR]     (default: ./build)
#
# Environment:
#   IOMMUFD_SELFTESTS_STRICT=1      exit 1 unless every case passes or skips;
#                                   by default the exit status only says the
#                                   programs ran to completion (0) or not (1)
#   IOMMUFD_SELFTESTS_NO_INSTALL=1  do not apt-get linux-source-6.12; exit 77
#                                   (ctest's "skipped") when it is missing
#   IOMMUFD_SELFTESTS_TIMEOUT=SECS  per program, default 1800
#   KERNEL_SRC_TARBALL              default /usr/src/linux-source-6.12.tar.xz
#   CC                              default cc
#
# The MAP_HUGETLB cases need hugetlbfs pages reserved
# (/proc/sys/vm/nr_hugepages); without them they fail at their mmap(), as
# they would on a real kernel. fail_nth uses the model's fail-nth switch (SPEC.md 5.9).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build}")
sim=$build/iommufd-sim
tarball=${KERNEL_SRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
timeout_s=${IOMMUFD_SELFTESTS_TIMEOUT:-1800}
cc=${CC:-cc}

die() { echo "selftests.sh: $*" >&2; exit "${rc:-1}"; }

[ -x "$sim" ] || rc=2 die "no $sim: build the project first (cmake --build $build)"
[ -e "$build/libiommufd-preload.so" ] ||
	rc=2 die "no $build/libiommufd-preload.so (not built with MODEL_SANITIZE)"

if [ ! -r "$tarball" ]; then
	if [ "${IOMMUFD_SELFTESTS_NO_INSTALL:-0}" = 1 ]; then
		echo "selftests.sh: SKIP: no $tarball (apt-get install linux-source-6.12)"
		exit 77
	fi
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
			linux-source-6.12 ||
		die "cannot install linux-source-6.12"
	[ -r "$tarball" ] || die "linux-source-6.12 is installed but $tarball is not there"
fi

work=$build/selftests
top=linux-source-6.12
st=tools/testing/selftests
members=(
	$top/$st/iommu
	$top/$st/kselftest_harness.h
	$top/$st/kselftest.h
	$top/include/uapi/linux/iommufd.h
	$top/include/uapi/linux/vfio.h
	$top/drivers/iommu/iommufd/iommufd_test.h
)
# Decompressing the whole tarball takes a while: once per tarball version
stamp=$work/src/.extracted-$(stat -c %s-%Y "$tarball")
if [ ! -e "$stamp" ]; then
	echo "selftests.sh: extracting the iommu selftests from $tarball"
	rm -rf "$work/src" && mkdir -p "$work/src" &&
		tar -xJf "$tarball" -C "$work/src" "${members[@]}" &&
		touch "$stamp" || die "extraction failed"
fi
src=$work/src/$top

# KHDR_INCLUDES: the uapi headers as `make headers_install` would leave them
# (the system's linux-libc-dev predates iommufd). Its sed, minus unifdef,
# which these two headers do not need.
khdr=$work/usr/include
mkdir -p "$khdr/linux"
for h in iommufd vfio; do
	sed -E -e 's/([[:space:](])(__user|__force|__iomem)[[:space:]]/\1/g' \
		-e 's/__attribute_const__([[:space:]]|$)/\1/g' \
		-e 's@^#include <linux/compiler(|_types).h>@@' \
		-e 's/(^|[^a-zA-Z0-9])__packed([^a-zA-Z0-9_]|$)/\1__attribute__((packed))\2/g' \
		-e 's/(^|[[:space:](])(inline|asm|volatile)([[:space:](]|$)/\1__\2__\3/g' \
		-e 's@#(ifndef|define|endif[[:space:]]*/[*])[[:space:]]*_UAPI@#\1 @' \
		"$src/include/uapi/linux/$h.h" > "$khdr/linux/$h.h" ||
		die "cannot install $h.h"
done

# The 6.12.y selftests were updated ahead of their headers: five names
# only later kernels define (values as in include/iommufd/uapi.h and
# uapi_test.h). in_data_type shares out_data_type's bytes in those kernels,
# so naming it so keeps the layout. Supplied only where the tree lacks them.
defs=()
have() { grep -qw "$1" "$src/include/uapi/linux/iommufd.h" \
	"$src/drivers/iommu/iommufd/iommufd_test.h"; }
have MOCK_FLAGS_DEVICE_PASID || defs+=("-DMOCK_FLAGS_DEVICE_PASID=(1 << 2)")
have MOCK_PASID_WIDTH || defs+=(-DMOCK_PASID_WIDTH=20)
have IOMMU_HW_INFO_TYPE_DEFAULT || defs+=(-DIOMMU_HW_INFO_TYPE_DEFAULT=0)
have IOMMU_HW_INFO_FLAG_INPUT_TYPE ||
	defs+=("-DIOMMU_HW_INFO_FLAG_INPUT_TYPE=(1 << 0)")
have in_data_type || defs+=(-Din_data_type=out_data_type)

# CFLAGS of the directory's Makefile and of lib.mk for gcc
cflags=(-Wall -O2 -Wno-unused-function -isystem "$khdr" -D_GNU_SOURCE=)
progs=(iommufd iommufd_fail_nth)
for p in "${progs[@]}"; do
	(cd "$src/$st/iommu" &&
		"$cc" "${cflags[@]}" "${defs[@]}" "$p.c" -o "$work/$p") ||
		die "cannot build $p"
done

# The *_hugepage cases mmap MAP_HUGETLB memory; reserve some when we may
if [ -w /proc/sys/vm/nr_hugepages ] &&
   [ "$(cat /proc/sys/vm/nr_hugepages)" -lt 64 ]; then
	echo 64 > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
# Without them those cases fail at mmap() as on any kernel ("nohuge:")
huge=1
[ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -ge 16 ] || huge=0
[ $huge = 1 ] || echo "selftests.sh: no hugepages: MAP_HUGETLB cases will fail"


status=0
total_fail=0
# Each program at the 6.12 level, then iommufd again at the level with the
# two later ABIs its sources use (tap files named PROG@next). That second
# run also has the invariant checker after every call (--check): a false
# alarm, or a real break, aborts it before it completes.
for run in "${progs[@]}" iommufd@next; do
	p=${run%@*}
	level=()
	[ "$run" = "$p" ] || level=(--next --check)
	tap=$work/$run.tap
	echo "selftests.sh: iommufd-sim run ${level[*]} -- $p (output in $tap)"
	# The reference run was as root on a VM: every capability (a
	# container drops CAP_SYS_RESOURCE, which global_options needs)
	timeout "$timeout_s" "$sim" run --caps=all "${level[@]}" -- \
		"$work/$p" > "$tap" 2>&1
	prc=$?
	pass=$(grep -E '^ok [0-9]+ ' "$tap" | grep -vc '# SKIP')
	skip=$(grep -E '^ok [0-9]+ ' "$tap" | grep -c '# SKIP')
	fail=$(grep -cE '^not ok [0-9]+ ' "$tap")
	plan=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$tap" | head -1)
	printf '%-18s pass %4d  fail %4d  skip %4d  of %s\n' "$run" "$pass" \
		"$fail" "$skip" "${plan:-?}"
	grep -E '^not ok [0-9]+ ' "$tap" | sed 's/^/    /'
	total_fail=$((total_fail + fail))
	# The harness's exit status is 1 for any failure; "complete" means
	# every planned case reported and the summary line came out
	if [ -z "$plan" ] || [ $((pass + skip + fail)) -ne "$plan" ] ||
	   ! grep -q '^# Totals:' "$tap"; then
		echo "selftests.sh: $p did not run to completion (exit $prc)" >&2
		tail -5 "$tap" >&2
		status=1
	fi
done
# Every failure must be one the level's expected list explains, and every
# case that list names (other than "nohuge:") must fail: the kernel fails
# it, so a pass is a divergence too. Entries are "PATTERN<tab>reason";
# "next:" marks those of the later level.
# expected PREFIX NAME: 2 if a kernel failure, 1 if allowed (nohuge), 0 not
expected() {
	local prefix=$1 name=$2 pat kind best=0
	while IFS=$'\t' read -r pat _; do
		case $pat in '#'* | '') continue ;; esac
		kind=2
		case $pat in
		nohuge:*) [ $huge = 0 ] || continue; kind=1 ;;
		next:*) [ -n "$prefix" ] || continue ;;
		*) [ -z "$prefix" ] || continue ;;
		esac
		pat=${pat#next:}
		pat=${pat#nohuge:}
		# shellcheck disable=SC2254
		case $name in $pat) [ $kind -gt $best ] && best=$kind ;; esac
	done < "$root/scripts/selftests.expected"
	return $best
}
unexpected=0
for run in "${progs[@]}" iommufd@next; do
	prefix=
	[ "$run" = "${run%@next}" ] || prefix=next:
	while read -r res name; do
		expected "$prefix" "$name"
		known=$?
		if [ "$res" = not ] && [ $known = 0 ]; then
			echo "selftests.sh: unexpected failure ($run): $name" >&2
			unexpected=$((unexpected + 1))
		elif [ "$res" = ok ] && [ $known = 2 ]; then
			echo "selftests.sh: unexpected pass ($run): $name" \
				"(it fails on the kernel)" >&2
			unexpected=$((unexpected + 1))
		fi
	done < <(sed -nE -e 's/^not ok [0-9]+ ([^ ]+).*/not \1/p' \
		-e 's/^ok [0-9]+ ([^ ]+).*/ok \1/p' "$work/$run.tap")
done
if [ $unexpected -gt 0 ]; then
	status=1
else
	echo "selftests.sh: the cases in scripts/selftests.expected fail, as on the kernel; all others pass"
fi
if [ "${IOMMUFD_SELFTESTS_STRICT:-0}" = 1 ] && [ "$total_fail" -gt 0 ]; then
	status=1
fi
exit $status

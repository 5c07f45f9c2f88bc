# test registry: model_test(<file stem> LABELS ...)
model_test(mem LABELS unit)
model_test(dispatch LABELS unit)
model_test(ioas LABELS unit)
model_test(abi LABELS unit)
include(${CMAKE_CURRENT_SOURCE_DIR}/abi_crosscheck.cmake)
model_test(iopt LABELS unit)
model_test(itree LABELS unit)
model_test(differential LABELS unit)
model_test(sim_structs LABELS unit)
target_link_libraries(test_sim_structs PRIVATE iommufd_sim_core)
model_test(device LABELS unit)
model_test(fault LABELS unit)
model_test(sim_trace LABELS unit)
target_link_libraries(test_sim_trace PRIVATE iommufd_sim_core)
target_compile_definitions(test_sim_trace PRIVATE
	SIM_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples/traces")
add_test(NAME sim_cli_replay_example COMMAND iommufd-sim replay
	${CMAKE_SOURCE_DIR}/examples/traces/ioas-session.jsonl)
add_test(NAME sim_cli_help COMMAND iommufd-sim --help)
set_tests_properties(sim_cli_help PROPERTIES
	PASS_REGULAR_EXPRESSION "iommufd-sim replay TRACE")
set_tests_properties(sim_cli_replay_example sim_cli_help PROPERTIES LABELS unit)
model_test(sim_trace_fast LABELS unit)
target_link_libraries(test_sim_trace_fast PRIVATE iommufd_sim_core)
target_compile_definitions(test_sim_trace_fast PRIVATE
	SIM_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples/traces")
model_test(sim_devices LABELS unit)
target_link_libraries(test_sim_devices PRIVATE iommufd_sim_core)
target_compile_definitions(test_sim_devices PRIVATE
	SIM_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples/traces")
model_test(sim_options LABELS unit)
target_link_libraries(test_sim_options PRIVATE iommufd_sim_core)
model_test(sim_vfio_cdev LABELS unit)
target_link_libraries(test_sim_vfio_cdev PRIVATE iommufd_sim_core)
add_test(NAME sim_cli_replay_vm_example COMMAND iommufd-sim replay
	${CMAKE_SOURCE_DIR}/examples/traces/vm-dirty-migration.jsonl)
add_test(NAME sim_cli_replay_compat_example COMMAND iommufd-sim replay
	${CMAKE_SOURCE_DIR}/examples/traces/vfio-compat.jsonl)
add_test(NAME sim_cli_replay_iopf_example COMMAND iommufd-sim replay
	${CMAKE_SOURCE_DIR}/examples/traces/iopf.jsonl)
set_tests_properties(sim_cli_replay_vm_example sim_cli_replay_compat_example
	sim_cli_replay_iopf_example PROPERTIES LABELS unit)
model_test(sim_qemu LABELS unit SOURCES ${CMAKE_SOURCE_DIR}/sim/qemu.c)
target_link_libraries(test_sim_qemu PRIVATE iommufd_sim_core)
target_compile_definitions(test_sim_qemu PRIVATE
	SIM_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples/traces")
add_test(NAME sim_cli_convert_qemu_help COMMAND iommufd-sim convert-qemu --help)
set_tests_properties(sim_cli_convert_qemu_help PROPERTIES LABELS unit
	PASS_REGULAR_EXPRESSION "iommufd-sim convert-qemu QEMU_LOG")
# the sample QEMU log through the CLI: converted, then replayed clean
add_test(NAME sim_cli_convert_qemu_replay COMMAND sh -c "
	set -u; t=\$(mktemp -d) || exit 9
	\"$1\" convert-qemu \"$2\" -o \$t/q.jsonl 2>/dev/null &&
	\"$1\" replay \$t/q.jsonl; rc=\$?; rm -rf \$t; exit \$rc"
	sh $<TARGET_FILE:iommufd-sim>
	${CMAKE_SOURCE_DIR}/examples/traces/qemu-iommufd.log)
set_tests_properties(sim_cli_convert_qemu_replay PROPERTIES LABELS unit
	PASS_REGULAR_EXPRESSION "the model agrees")
model_test(pt_walk LABELS unit)
model_test(pt_vtd LABELS unit)
model_test(pt_amd LABELS unit)
model_test(pt_domain LABELS unit)
# exit statuses of the CLI: 1 divergence, 2 usage error or unreadable trace
add_test(NAME sim_cli_exit_codes COMMAND sh -c "
	set -u; sim=\"$1\"; ex=\"$2\"; t=\$(mktemp -d) || exit 9
	sed 's/\"out_ioas_id\":2},\"hex\":\"0c0000000000000002000000\"/\"out_ioas_id\":7}/' \"\$ex\" > \$t/bad.jsonl
	head -c 300 \"\$ex\" > \$t/cut.jsonl
	\"\$sim\" replay \$t/bad.jsonl > \$t/out; r1=\$?
	\"\$sim\" replay \$t/bad.jsonl --report=json > \$t/json; r1j=\$?
	\"\$sim\" replay \$t/cut.jsonl 2> \$t/err; r2=\$?
	\"\$sim\" replay 2>/dev/null; r3=\$?
	\"\$sim\" replay \"\$ex\" --frob 2>/dev/null; r4=\$?
	\"\$sim\" replay \"\$ex\" --record \$t/rec.jsonl > /dev/null; r5=\$?
	\"\$sim\" replay \$t/rec.jsonl > /dev/null; r6=\$?
	echo \"\$r1 \$r1j \$r2 \$r3 \$r4 \$r5 \$r6\"; cat \$t/out \$t/err
	grep -q 'out.out_ioas_id: expected 7, got 2' \$t/out &&
	grep -q '\"result\": \"diverged\"' \$t/json &&
	grep -q 'cut.jsonl:2: truncated record' \$t/err &&
	test \"\$r1 \$r1j \$r2 \$r3 \$r4 \$r5 \$r6\" = '1 1 2 2 2 0 0'; rc=\$?
	rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>
	${CMAKE_SOURCE_DIR}/examples/traces/ioas-session.jsonl)
set_tests_properties(sim_cli_exit_codes PROPERTIES LABELS unit)
model_test(selftest LABELS unit)
model_test(drivers LABELS unit)
model_test(dma LABELS unit)
model_test(vfio_compat LABELS unit)
model_test(access LABELS unit)
# Unmodified programs under `iommufd-sim run`. The sanitizer builds have no
# preload library (see CMakeLists.txt), so none of this exists there.
if(MODEL_PRELOAD)
	add_executable(preload_smoke preload/smoke.c)
	target_include_directories(preload_smoke PRIVATE ${CMAKE_SOURCE_DIR}/include)
	add_test(NAME preload_smoke COMMAND iommufd-sim run --
		$<TARGET_FILE:preload_smoke>)
	add_test(NAME preload_smoke_notest COMMAND iommufd-sim run --notest --
		$<TARGET_FILE:preload_smoke> --notest)
	add_test(NAME preload_smoke_memlock COMMAND iommufd-sim run --caps=none
		--memlock=64K -- $<TARGET_FILE:preload_smoke> --tiny-memlock)
	# exit statuses: the program's own, 127 not found, 2 usage or no library
	add_test(NAME sim_cli_run_errors COMMAND sh -c "
		set -u; sim=\"$1\"; t=\$(mktemp -d) || exit 9; cd \$t
		\"\$sim\" run -- sh -c 'exit 7'; r1=\$?
		\"\$sim\" run -- /nonexistent/prog 2> err1; r2=\$?
		IOMMUFD_SIM_PRELOAD=/nonexistent.so \"\$sim\" run -- true 2> err2; r3=\$?
		\"\$sim\" run 2>/dev/null; r4=\$?
		\"\$sim\" run --caps=frob -- true 2>/dev/null; r5=\$?
		out=\$(\"\$sim\" run --caps=ipc_lock --memlock=1M --check -- \\
			sh -c 'echo \$IOMMUFD_SIM_CONFIG \$IOMMUFD_SIM_CAPS \$IOMMUFD_SIM_MEMLOCK \$IOMMUFD_SIM_CHECK')
		echo \"\$r1 \$r2 \$r3 \$r4 \$r5 \$out\"; cat err1 err2
		grep -q '/nonexistent/prog: No such file' err1 &&
		grep -q 'IOMMUFD_SIM_PRELOAD=/nonexistent.so' err2 &&
		test \"\$r1 \$r2 \$r3 \$r4 \$r5 \$out\" = '7 127 2 2 2 test ipc_lock 1M 1'
		rc=\$?; cd /; rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>)
	set_tests_properties(preload_smoke preload_smoke_notest
		preload_smoke_memlock sim_cli_run_errors
		PROPERTIES LABELS unit)
	# a syzkaller-style C reproducer: every call through syscall(),
	# served by the preload library and recorded by the recorder
	add_executable(preload_syz_repro preload/syz_repro.c)
	target_include_directories(preload_syz_repro PRIVATE
		${CMAKE_SOURCE_DIR}/include)
	add_test(NAME preload_syz_repro COMMAND iommufd-sim run --
		$<TARGET_FILE:preload_syz_repro>)
	add_test(NAME record_syz_repro COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; t=\$(mktemp -d) || exit 9
		\"\$sim\" record -o \$t/s.jsonl --model -- \"\$prog\"; r1=\$?
		n=\$(grep -c '\"kind\":\"ioctl\"' \$t/s.jsonl)
		\"\$sim\" replay \$t/s.jsonl; r2=\$?
		echo \"record \$r1 ioctls \$n replay \$r2\"
		test \"\$r1 \$n \$r2\" = '0 5 0'; rc=\$?
		rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>
		$<TARGET_FILE:preload_syz_repro>)
	set_tests_properties(preload_syz_repro record_syz_repro
		PROPERTIES LABELS unit)
	# VFIO device cdevs of a --machine; none without one
	add_executable(preload_vfio_cdev preload/vfio_cdev.c)
	target_include_directories(preload_vfio_cdev PRIVATE
		${CMAKE_SOURCE_DIR}/include)
	add_test(NAME preload_vfio_cdev_mock COMMAND iommufd-sim run
		--machine=${CMAKE_CURRENT_SOURCE_DIR}/preload/machine-mock.json
		-- $<TARGET_FILE:preload_vfio_cdev>)
	add_test(NAME preload_vfio_cdev_vtd COMMAND iommufd-sim run
		--machine=${CMAKE_CURRENT_SOURCE_DIR}/preload/machine-vtd.json
		-- $<TARGET_FILE:preload_vfio_cdev> --vtd)
	add_test(NAME preload_vfio_cdev_none COMMAND iommufd-sim run --
		$<TARGET_FILE:preload_vfio_cdev> --none)
	# a bad machine: the file and member named, the program not run
	add_test(NAME sim_cli_run_machine_errors COMMAND sh -c "
		set -u; sim=\"$1\"; lib=\"$2\"; bad=\"$3\"; t=\$(mktemp -d) || exit 9
		cd \$t
		\"\$sim\" run --machine=\"\$bad\" -- sh -c 'echo > ran1' 2> err1; r1=\$?
		\"\$sim\" run --machine=nope.json -- sh -c 'echo > ran2' 2> err2; r2=\$?
		IOMMUFD_SIM_MACHINE=\"\$bad\" LD_PRELOAD=\"\$lib\" \\
			sh -c 'echo > ran3' 2> err3; r3=\$?
		echo \"\$r1 \$r2 \$r3\"; cat err1 err2 err3
		grep -q 'machine-bad.json: machine.devices.0..iommu: 3 is not' err1 &&
		grep -q 'nope.json' err2 &&
		grep -q 'IOMMUFD_SIM_MACHINE: .*machine-bad.json: machine.devices.0..iommu' err3 &&
		test ! -e ran1 && test ! -e ran2 && test ! -e ran3 &&
		test \"\$r1 \$r2 \$r3\" = '2 2 2'
		rc=\$?; cd /; rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>
		$<TARGET_FILE:iommufd-preload>
		${CMAKE_CURRENT_SOURCE_DIR}/preload/machine-bad.json)
	# the legacy API: VFIO group files of a --machine in a container
	add_executable(preload_vfio_group preload/vfio_group.c)
	target_include_directories(preload_vfio_group PRIVATE
		${CMAKE_SOURCE_DIR}/include)
	add_test(NAME preload_vfio_group COMMAND iommufd-sim run
		--machine=${CMAKE_CURRENT_SOURCE_DIR}/preload/machine-groups.json
		-- $<TARGET_FILE:preload_vfio_group>)
	set_tests_properties(preload_vfio_cdev_mock preload_vfio_cdev_vtd
		preload_vfio_cdev_none sim_cli_run_machine_errors
		preload_vfio_group PROPERTIES LABELS unit)
	# The kernel's selftests: minutes, and the kernel source; not a unit test
	add_test(NAME kernel_selftests COMMAND bash
		${CMAKE_SOURCE_DIR}/scripts/selftests.sh ${CMAKE_BINARY_DIR})
	set_tests_properties(kernel_selftests PROPERTIES LABELS conformance
		ENVIRONMENT IOMMUFD_SELFTESTS_NO_INSTALL=1 SKIP_RETURN_CODE 77
		TIMEOUT 3600)
endif()
model_test(noiommu LABELS unit)
# The recorder (sim/record/): programs recorded over the model, their traces
# read back and replayed. Preloaded like the above, so not with sanitizers.
if(MODEL_PRELOAD)
	add_executable(record_prog record/prog.c)
	target_include_directories(record_prog PRIVATE ${CMAKE_SOURCE_DIR}/include)
	target_link_libraries(record_prog PRIVATE Threads::Threads)
	add_executable(record_check record/check.c)
	target_link_libraries(record_check PRIVATE iommufd_sim_core)
	# record, read with the reader, replay: the model agrees with itself
	add_test(NAME record_model_replay COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; check=\"$3\"; t=\$(mktemp -d) || exit 9
		\"\$sim\" record -o \$t/s.jsonl --model -- \"\$prog\"; r1=\$?
		\"\$check\" \$t/s.jsonl --require open --require dup --require close \\
			--require env --require-open iommufd \\
			--require-open vfio-container \\
			--require-ioctl IOMMU_IOAS_IOVA_RANGES \\
			--require-ioctl IOMMU_IOAS_ALLOW_IOVAS \\
			--require-ioctl IOMMU_IOAS_COPY \\
			--require-ioctl VFIO_CHECK_EXTENSION \\
			--min-errno EEXIST=1 --min-errno ENOTTY=1; r2=\$?
		\"\$sim\" replay \$t/s.jsonl; r3=\$?
		echo \"record \$r1 check \$r2 replay \$r3\"
		test \"\$r1 \$r2 \$r3\" = '0 0 0'; rc=\$?
		test \$rc = 0 || cat \$t/s.jsonl; rm -rf \$t; exit \$rc" sh
		$<TARGET_FILE:iommufd-sim> $<TARGET_FILE:record_prog>
		$<TARGET_FILE:record_check>)
	# the preload library's own test program, written for a real kernel;
	# its forked child allocates in the shared file, which the parent's
	# trace cannot show: replay must run the trace but need not agree
	add_test(NAME record_model_smoke COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; check=\"$3\"; t=\$(mktemp -d) || exit 9
		IOMMUFD_SIM_CONFIG=notest \"\$sim\" record -o \$t/s.jsonl --model \\
			-- \"\$prog\" --notest; r1=\$?
		\"\$check\" \$t/s.jsonl --require dup --min-errno EFAULT=1; r2=\$?
		\"\$sim\" replay \$t/s.jsonl; r3=\$?
		echo \"record \$r1 check \$r2 replay \$r3\"
		test \"\$r1 \$r2\" = '0 0' && test \$r3 -le 1; rc=\$?
		test \$rc = 0 || cat \$t/s.jsonl; rm -rf \$t; exit \$rc" sh
		$<TARGET_FILE:iommufd-sim> $<TARGET_FILE:preload_smoke>
		$<TARGET_FILE:record_check>)
	# bad pointers: EFAULT in the trace, no crash, the trace still reads
	add_test(NAME record_bad_pointers COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; check=\"$3\"; t=\$(mktemp -d) || exit 9
		\"\$sim\" record -o \$t/b.jsonl --model -- \"\$prog\" --bad; r1=\$?
		\"\$check\" \$t/b.jsonl --min-errno EFAULT=3 \\
			--require-open vfio-device --min-new-fds 1 \\
			--require-ioctl IOMMU_FAULT_QUEUE_ALLOC \\
			--require fault_read --require fault_write; r2=\$?
		echo \"record \$r1 check \$r2\"
		test \"\$r1 \$r2\" = '0 0'; rc=\$?
		test \$rc = 0 || cat \$t/b.jsonl; rm -rf \$t; exit \$rc" sh
		$<TARGET_FILE:iommufd-sim> $<TARGET_FILE:record_prog>
		$<TARGET_FILE:record_check>)
	# a device cdev of --machine's kind: the header carries the machine
	# and vfio0 its device's name, so replay builds the same and agrees
	add_test(NAME record_model_device COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; check=\"$3\"; t=\$(mktemp -d) || exit 9
		IOMMUFD_SIM_MACHINE=\"$4\" \"\$sim\" record -o \$t/d.jsonl \\
			--model -- \"\$prog\" --device; r1=\$?
		\"\$check\" \$t/d.jsonl --require-open vfio-device \\
			--require-ioctl VFIO_DEVICE_BIND_IOMMUFD \\
			--require-ioctl VFIO_DEVICE_ATTACH_IOMMUFD_PT \\
			--require-ioctl VFIO_DEVICE_DETACH_IOMMUFD_PT \\
			--min-errno EBADF=1 --min-errno EINVAL=2 \\
			--min-errno ENOENT=1; r2=\$?
		\"\$sim\" replay \$t/d.jsonl; r3=\$?
		echo \"record \$r1 check \$r2 replay \$r3\"
		head -1 \$t/d.jsonl | grep -q '\"machine\":' &&
		grep -q '\"device\":\"0000:01:00.0\"' \$t/d.jsonl &&
		test \"\$r1 \$r2 \$r3\" = '0 0 0'; rc=\$?
		test \$rc = 0 || cat \$t/d.jsonl; rm -rf \$t; exit \$rc" sh
		$<TARGET_FILE:iommufd-sim> $<TARGET_FILE:record_prog>
		$<TARGET_FILE:record_check>
		${CMAKE_CURRENT_SOURCE_DIR}/preload/machine-vtd.json)
	set_tests_properties(record_model_device PROPERTIES LABELS unit)
	# a legacy VFIO (group) user: what its groups do to iommufd replays,
	# the group file exclusion and the shared device open included
	add_test(NAME record_model_groups COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; check=\"$3\"; t=\$(mktemp -d) || exit 9
		IOMMUFD_SIM_MACHINE=\"$4\" \"\$sim\" record -o \$t/g.jsonl \\
			--model -- \"\$prog\"; r1=\$?
		\"\$check\" \$t/g.jsonl --require group_open \\
			--require group_close --require group_set_container \\
			--require group_unset_container \\
			--require-open vfio-device \\
			--require-ioctl VFIO_IOMMU_MAP_DMA \\
			--min-errno EBUSY=1; r2=\$?
		for w in 'group_open.*ENOENT' 'group_open.*EBUSY' \\
			'group_set_container.*EINVAL' \\
			'group_unset_container.*EINVAL' '\"group\":7,.*ENODEV' \\
			'\"group\":7,.*EINVAL'; do
			grep -q \"\$w\" \$t/g.jsonl || { echo \"no \$w\"; r2=1; }
		done
		\"\$sim\" replay \$t/g.jsonl; r3=\$?
		\"\$sim\" replay \$t/g.jsonl --record \$t/r.jsonl > /dev/null; r4=\$?
		\"\$sim\" replay \$t/r.jsonl; r5=\$?
		echo \"record \$r1 check \$r2 replay \$r3 \$r4 \$r5\"
		grep -q '\"kind\":\"open\".*\"device\":\"0000:01:00.1\",\"group\":7,\"ret\":[0-9]' \\
			\$t/g.jsonl &&
		test \"\$r1 \$r2 \$r3 \$r4 \$r5\" = '0 0 0 0 0'; rc=\$?
		test \$rc = 0 || cat \$t/g.jsonl; rm -rf \$t; exit \$rc" sh
		$<TARGET_FILE:iommufd-sim> $<TARGET_FILE:preload_vfio_group>
		$<TARGET_FILE:record_check>
		${CMAKE_CURRENT_SOURCE_DIR}/preload/machine-groups.json)
	set_tests_properties(record_model_groups PROPERTIES LABELS unit)
	# the program's exit status; a trace even when nothing was recorded
	add_test(NAME record_cli COMMAND sh -c "
		set -u; sim=\"$1\"; t=\$(mktemp -d) || exit 9; cd \$t
		\"\$sim\" record -o e.jsonl -- sh -c 'exit 7'; r1=\$?
		\"\$sim\" replay e.jsonl > out; r2=\$?
		\"\$sim\" record -o x.jsonl -- /nonexistent/prog 2> err; r3=\$?
		\"\$sim\" record -- true 2> /dev/null; r4=\$?
		\"\$sim\" record -o /nonexistent/dir/t.jsonl -- true 2> /dev/null; r5=\$?
		IOMMUFD_SIM_RECORDER=/nonexistent.so \"\$sim\" record -o y.jsonl \\
			-- true 2> /dev/null; r6=\$?
		\"\$sim\" record --help | grep -q 'record -o TRACE'; r7=\$?
		echo \"\$r1 \$r2 \$r3 \$r4 \$r5 \$r6 \$r7\"; cat out err
		grep -q '0 records' out && grep -q 'nonexistent/prog: No such' err &&
		test \"\$r1 \$r2 \$r3 \$r4 \$r5 \$r6 \$r7\" = '7 0 127 2 2 2 0'
		rc=\$?; cd /; rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>)
	set_tests_properties(record_model_replay record_model_smoke
		record_bad_pointers record_cli PROPERTIES LABELS unit)
endif()
model_test(fail_nth LABELS unit)
model_test(kernel_version LABELS unit)
# env->kernel from the CLI: replay takes the level from the header's
# "kernel" (newest modelled release at or below it) unless --kernel says
add_test(NAME sim_cli_replay_kernel COMMAND sh -c "
	set -u; sim=\"$1\"; ex=\"$2\"; t=\$(mktemp -d) || exit 9
	hdr() { sed \"1s/\\\"kernel\\\":\\\"6.12\\\"/\\\"kernel\\\":\\\"\$1\\\"/\" \"\$ex\" > \$t/\$1.jsonl; }
	hdr 6.7.5; hdr 6.10.2; hdr 6.12.117; hdr 6.6.30
	\"\$sim\" replay \$t/6.7.5.jsonl > \$t/o1; r1=\$?
	\"\$sim\" replay \$t/6.10.2.jsonl --record \$t/rec.jsonl > \$t/o2; r2=\$?
	\"\$sim\" replay \$t/6.12.117.jsonl > \$t/o3; r3=\$?
	\"\$sim\" replay \$t/6.6.30.jsonl --kernel=6.12 > \$t/o4; r4=\$?
	\"\$sim\" replay \"\$ex\" --kernel=6.6 > \$t/o5; r5=\$?
	\"\$sim\" replay \"\$ex\" --kernel=6.7 2> \$t/e6; r6=\$?
	\"\$sim\" replay \$t/rec.jsonl > \$t/o7; r7=\$?
	echo \"\$r1 \$r2 \$r3 \$r4 \$r5 \$r6 \$r7\"; cat \$t/o1 \$t/o2 \$t/o3 \$t/o4 \$t/e6
	grep -q 'recorded on kernel 6.7.5, replayed as 6.6, the newest' \$t/o1 &&
	grep -q 'IOMMU_HWPT_SET_DIRTY_TRACKING: ret: expected 0, got -1 (ENOTTY)' \$t/o1 &&
	grep -q 'recorded on kernel 6.10.2, replayed as 6.8, the newest' \$t/o2 &&
	! grep -q note \$t/o3 &&
	grep -q 'recorded on kernel 6.6.30, replayed as 6.12 (--kernel)' \$t/o4 &&
	grep -q 'IOMMU_HWPT_ALLOC: ret: expected 0, got -1 (EOPNOTSUPP)' \$t/o5 &&
	grep -q \"bad --kernel '6.7'\" \$t/e6 &&
	head -1 \$t/rec.jsonl | grep -q '\"kernel\":\"6.8\"' && ! grep -q note \$t/o7 &&
	test \"\$r1 \$r2 \$r3 \$r4 \$r5 \$r6 \$r7\" = '1 0 0 0 1 2 0'; rc=\$?
	rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>
	${CMAKE_SOURCE_DIR}/examples/traces/vm-dirty-migration.jsonl)
set_tests_properties(sim_cli_replay_kernel PROPERTIES LABELS unit)
# replay --max-memory: the pins past it are ENOMEM; "-" reads a pipe
add_test(NAME sim_cli_replay_memory_and_stdin COMMAND sh -c "
	set -u; sim=\"$1\"; ex=\"$2\"; t=\$(mktemp -d) || exit 9
	\"\$sim\" replay --max-memory=8K \"\$ex\" > \$t/o1; r1=\$?
	\"\$sim\" replay --max-memory=1G \"\$ex\" > \$t/o2; r2=\$?
	\"\$sim\" replay --max-memory=12 \"\$ex\" 2> \$t/e3; r3=\$?
	\"\$sim\" replay --max-memory=unlimited - < \"\$ex\" > \$t/o4; r4=\$?
	echo \"\$r1 \$r2 \$r3 \$r4\"; cat \$t/o1 \$t/e3 \$t/o4
	grep -q 'IOMMU_IOAS_MAP: ret: expected 0, got -1 (ENOMEM)' \$t/o1 &&
	grep -q 'the model agrees' \$t/o2 &&
	grep -q \"bad --max-memory '12'\" \$t/e3 &&
	grep -q '^-: 33 records.*the model agrees' \$t/o4 &&
	test \"\$r1 \$r2 \$r3 \$r4\" = '1 0 2 0'; rc=\$?
	rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>
	${CMAKE_SOURCE_DIR}/examples/traces/vm-dirty-migration.jsonl)
set_tests_properties(sim_cli_replay_memory_and_stdin PROPERTIES LABELS unit)
# run --kernel / IOMMUFD_SIM_KERNEL: the program meets that release, the
# recorder writes it into the header, bad values stop the program
if(MODEL_PRELOAD)
	add_test(NAME sim_cli_run_kernel COMMAND sh -c "
		set -u; sim=\"$1\"; prog=\"$2\"; lib=\"$3\"; t=\$(mktemp -d) || exit 9
		cd \$t
		out=\$(\"\$sim\" run --kernel=6.6 -- sh -c 'echo \$IOMMUFD_SIM_KERNEL')
		\"\$sim\" run --kernel=7 -- true 2> e1; r1=\$?
		\"\$sim\" run --next --kernel=6.8 -- true 2> e2; r2=\$?
		IOMMUFD_SIM_KERNEL=bogus \"\$sim\" run -- true 2> e3; r3=\$?
		LD_PRELOAD=\"\$lib\" IOMMUFD_SIM_CONFIG=next IOMMUFD_SIM_KERNEL=6.8 \\
			env true 2> e4; r4=\$?
		IOMMUFD_SIM_KERNEL=6.8 \"\$sim\" record -o a.jsonl --model \\
			-- \"\$prog\" --bad 2> e5; r5=\$?
		IOMMUFD_SIM_KERNEL=6.8 \"\$sim\" record -o s.jsonl --model \\
			-- \"\$prog\"; r6=\$?
		\"\$sim\" replay s.jsonl > o7; r7=\$?
		\"\$sim\" run --kernel=6.12 -- true; r8=\$?
		echo \"\$out \$r1 \$r2 \$r3 \$r4 \$r5 \$r6 \$r7 \$r8\"
		cat e1 e2 e3 e4 e5 o7
		grep -q \"bad --kernel '7'\" e1 && grep -q 'next builds on 6.12' e2 &&
		grep -q \"IOMMUFD_SIM_KERNEL='bogus' is not\" e3 &&
		grep -q 'IOMMUFD_SIM_CONFIG=next builds on 6.12' e4 &&
		grep -q 'IOMMU_FAULT_QUEUE_ALLOC.*errno 25' e5 &&
		head -1 s.jsonl | grep -q '\"kernel\":\"6.8\"' && ! grep -q note o7 &&
		test \"\$out \$r1 \$r2 \$r3 \$r4 \$r5 \$r6 \$r7 \$r8\" = '6.6 2 2 2 2 1 0 0 0'
		rc=\$?; cd /; rm -rf \$t; exit \$rc" sh $<TARGET_FILE:iommufd-sim>
		$<TARGET_FILE:record_prog> $<TARGET_FILE:iommufd-preload>)
	set_tests_properties(sim_cli_run_kernel PROPERTIES LABELS unit)
endif()
# trace2dot: the pictures (Criterion), and the CLI with Graphviz itself
model_test(trace2dot LABELS unit)
target_link_libraries(test_trace2dot PRIVATE trace2dot_draw)
target_compile_definitions(test_trace2dot PRIVATE
	SIM_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples/traces")
add_test(NAME trace2dot_cli COMMAND sh -c "
	set -u; t=\$(mktemp -d) || exit 9; ex=$1; rc=0
	\"$2\" \$ex/vm-dirty-migration.jsonl -o \$t/g.dot || rc=1
	\"$2\" --lifetimes \$ex/vfio-compat.jsonl > \$t/l.dot || rc=1
	\"$2\" --at=999999 \$ex/vfio-compat.jsonl > /dev/null 2> \$t/err
	test \$? = 2 && grep -q 'no record with that seq' \$t/err || rc=1
	\"$2\" --at=x \$ex/vfio-compat.jsonl 2> /dev/null; test \$? = 2 || rc=1
	\"$2\" /nonexistent.jsonl 2> /dev/null; test \$? = 2 || rc=1
	if command -v dot > /dev/null; then
		dot -Tsvg \$t/g.dot > /dev/null && dot -Tsvg \$t/l.dot > /dev/null || rc=1
	fi
	rm -rf \$t; exit \$rc" sh ${CMAKE_SOURCE_DIR}/examples/traces
	$<TARGET_FILE:trace2dot>)
set_tests_properties(trace2dot_cli PROPERTIES LABELS unit)
model_test(regress LABELS unit)

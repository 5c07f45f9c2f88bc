# SPDX-License-Identifier: MIT
#
# Checks of the public uapi headers beyond their own _Static_asserts.
#
# Included from tests/tests.cmake it sets up:
#   * abi_headers_selfcontained  object library: each header compiles alone
#     (and twice) as strict C11 with the project's warnings;
#   * abi_dump_model             prints every fact of tests/abi_list.h as our
#     headers define it;
#   * test abi_cxx               the same program built as C++ must print the
#     same, so C++ users get the same layouts (needs a C++ compiler);
#   * when the Debian linux-source-6.12 tarball is present: the kernel's
#     iommufd.h, vfio.h and iommufd_test.h are extracted at configure time and
#     abi_dump_kernel prints the same list against them;
#       test abi_crosscheck           both dumps are identical;
#       test abi_crosscheck_coverage  every name, struct and field of the
#         kernel's iommufd.h and iommufd_test.h is in the list, and so is
#         everything our three headers declare (apart from the model's own
#         helper macros and the marked later-kernel names).
#
# Run with cmake -P (ABI_MODE=compare|coverage|cxx) it is the test driver.

# =========================================================== test driver
if(CMAKE_SCRIPT_MODE_FILE)
cmake_minimum_required(VERSION 3.20)

# Run a dump program, return its output lines
function(abi_run out)
	execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
		OUTPUT_VARIABLE text ERROR_VARIABLE err)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "'${ARGN}' failed (${rc}): ${err}")
	endif()
	string(STRIP "${text}" text)
	string(REPLACE "\n" ";" lines "${text}")
	set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# Line-by-line comparison of two dumps; the list order is the same in both
function(abi_compare name_a lines_a name_b lines_b)
	list(LENGTH ${lines_a} na)
	list(LENGTH ${lines_b} nb)
	if(na EQUAL 0)
		message(FATAL_ERROR "${name_a} printed nothing")
	endif()
	set(bad 0)
	set(i 0)
	while(i LESS na OR i LESS nb)
		set(a "<missing>")
		set(b "<missing>")
		if(i LESS na)
			list(GET ${lines_a} ${i} a)
		endif()
		if(i LESS nb)
			list(GET ${lines_b} ${i} b)
		endif()
		if(NOT a STREQUAL b)
			math(EXPR bad "${bad} + 1")
			if(bad LESS_EQUAL 50)
				message("  ${name_a}: ${a}\n  ${name_b}: ${b}")
			endif()
		endif()
		math(EXPR i "${i} + 1")
	endwhile()
	if(bad GREATER 0)
		message(FATAL_ERROR "${bad} of ${na} ABI facts differ "
			"between ${name_a} and ${name_b}")
	endif()
	message(STATUS "${na} ABI facts identical in ${name_a} and ${name_b}")
endfunction()

# Names (#define, enumerators), struct tags and struct members ("s.path",
# nested paths joined with '.') declared in a C header. Handles the layout
# of uapi headers: one declaration per line, braces at line ends.
function(abi_scan file out_names out_structs out_fields)
	file(READ "${file}" rest)
	set(text "")
	while(TRUE)
		string(FIND "${rest}" "/*" a)
		if(a EQUAL -1)
			break()
		endif()
		string(SUBSTRING "${rest}" 0 ${a} head)
		string(APPEND text "${head} ")
		math(EXPR a "${a} + 2")
		string(SUBSTRING "${rest}" ${a} -1 rest)
		string(FIND "${rest}" "*/" b)
		if(b EQUAL -1)
			message(FATAL_ERROR "${file}: unterminated comment")
		endif()
		math(EXPR b "${b} + 2")
		string(SUBSTRING "${rest}" ${b} -1 rest)
	endwhile()
	string(APPEND text "${rest}")
	# ';' and '[' ']' would confuse CMake lists
	string(REPLACE "\\" "" text "${text}")
	string(REPLACE ";" "<sc>" text "${text}")
	string(REPLACE "[" "<lb>" text "${text}")
	string(REPLACE "]" "<rb>" text "${text}")
	string(REPLACE "\n" ";" lines "${text}")

	set(names "")
	set(structs "")
	set(fields "")
	set(depth 0)
	set(kind "")
	set(tag "")
	foreach(line IN LISTS lines)
		if(line MATCHES "^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)")
			set(n "${CMAKE_MATCH_1}")
			if(NOT n MATCHES "^(_.*|IOMMUFD_MODEL_UAPI.*_H)$")
				list(APPEND names "${n}")
			endif()
			continue()
		endif()
		string(REGEX MATCHALL "{" o "${line}")
		string(REGEX MATCHALL "}" c "${line}")
		list(LENGTH o no)
		list(LENGTH c nc)
		if(no GREATER 1 OR nc GREATER 1 OR (no EQUAL 1 AND nc EQUAL 1))
			message(FATAL_ERROR "${file}: cannot scan '${line}'")
		endif()
		if(no EQUAL 1)
			if(depth EQUAL 0)
				if(line MATCHES "^[ \t]*struct[ \t]+([A-Za-z0-9_]+)[ \t]*{")
					set(kind struct)
					set(tag "${CMAKE_MATCH_1}")
					list(APPEND structs "${tag}")
				elseif(line MATCHES "^[ \t]*enum[ \t]*[A-Za-z0-9_]*[ \t]*{")
					set(kind enum)
				else()
					set(kind other)
				endif()
			endif()
			math(EXPR depth "${depth} + 1")
			set(pend_${depth} "")
		elseif(nc EQUAL 1)
			if(depth EQUAL 0)
				message(FATAL_ERROR "${file}: unbalanced '}'")
			endif()
			if(kind STREQUAL "struct")
				set(member "")
				if(line MATCHES "}[ \t]*([A-Za-z_][A-Za-z0-9_]*)")
					set(member "${CMAKE_MATCH_1}")
				endif()
				if(depth EQUAL 1)
					foreach(p IN LISTS pend_1)
						list(APPEND fields "${tag}.${p}")
					endforeach()
				else()
					math(EXPR up "${depth} - 1")
					if(member STREQUAL "")
						list(APPEND pend_${up} ${pend_${depth}})
					else()
						list(APPEND pend_${up} "${member}")
						foreach(p IN LISTS pend_${depth})
							list(APPEND pend_${up} "${member}.${p}")
						endforeach()
					endif()
				endif()
			endif()
			math(EXPR depth "${depth} - 1")
			if(depth EQUAL 0)
				set(kind "")
			endif()
		elseif(kind STREQUAL "struct" AND depth GREATER 0)
			if(line MATCHES "([A-Za-z_][A-Za-z0-9_]*)[ \t]*(<lb>[^<]*<rb>)?[ \t]*<sc>[ \t]*$")
				list(APPEND pend_${depth} "${CMAKE_MATCH_1}")
			endif()
		elseif(kind STREQUAL "enum" AND depth EQUAL 1)
			if(line MATCHES "^[ \t]*([A-Z][A-Za-z0-9_]*)[ \t]*(=.*|,.*)?$")
				list(APPEND names "${CMAKE_MATCH_1}")
			endif()
		endif()
	endforeach()
	if(NOT depth EQUAL 0)
		message(FATAL_ERROR "${file}: unbalanced '{'")
	endif()
	set(${out_names} "${names}" PARENT_SCOPE)
	set(${out_structs} "${structs}" PARENT_SCOPE)
	set(${out_fields} "${fields}" PARENT_SCOPE)
endfunction()

# Appends to ${out_var} every item of ${items} that is in none of the lists
# named after it and does not match ${exempt}
function(abi_require what file items exempt out_var)
	set(acc "${${out_var}}")
	foreach(item IN LISTS ${items})
		if(NOT exempt STREQUAL "" AND item MATCHES "${exempt}")
			continue()
		endif()
		set(found FALSE)
		foreach(known IN LISTS ARGN)
			list(FIND ${known} "${item}" idx)
			if(idx GREATER -1)
				set(found TRUE)
				break()
			endif()
		endforeach()
		if(NOT found)
			list(APPEND acc "${file}: ${what} ${item}")
		endif()
	endforeach()
	set(${out_var} "${acc}" PARENT_SCOPE)
endfunction()

if(ABI_MODE STREQUAL "compare")
	abi_run(kernel "${ABI_KERNEL_DUMP}")
	abi_run(model "${ABI_MODEL_DUMP}")
	abi_compare("linux-6.12" kernel "model" model)

elseif(ABI_MODE STREQUAL "cxx")
	set(exe "${ABI_WORK}/abi_dump_model_cxx")
	execute_process(COMMAND "${ABI_CXX}" -std=c++11 -Wall -Wextra -Werror
			-Wshadow "-I${ABI_INCLUDE}" "-I${ABI_TESTS}"
			-x c++ "${ABI_TESTS}/abi_dump_model.c" -o "${exe}"
		RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "the headers do not build as C++:\n${out}")
	endif()
	abi_run(c "${ABI_MODEL_DUMP}")
	abi_run(cxx "${exe}")
	abi_compare("C" c "C++" cxx)
	abi_run(c "${ABI_MODEL_DUMP}" --later)
	abi_run(cxx "${exe}" --later)
	abi_compare("C (later names)" c "C++ (later names)" cxx)

elseif(ABI_MODE STREQUAL "coverage")
	abi_run(dump "${ABI_MODEL_DUMP}")
	abi_run(later "${ABI_MODEL_DUMP}" --later)
	set(consts "")
	set(structs "")
	set(fields "")
	foreach(l IN LISTS dump)
		if(l MATCHES "^sizeof:([A-Za-z0-9_]+) ")
			list(APPEND structs "${CMAKE_MATCH_1}")
		elseif(l MATCHES "^offsetof:([^ ]+) ")
			list(APPEND fields "${CMAKE_MATCH_1}")
		elseif(l MATCHES "^([A-Za-z0-9_]+) ")
			list(APPEND consts "${CMAKE_MATCH_1}")
		endif()
	endforeach()
	set(later_consts "")
	set(later_fields "")
	foreach(l IN LISTS later)
		if(l MATCHES "^later:offsetof:([^ ]+) ")
			list(APPEND later_fields "${CMAKE_MATCH_1}")
		elseif(l MATCHES "^later:([A-Za-z0-9_]+) ")
			list(APPEND later_consts "${CMAKE_MATCH_1}")
		endif()
	endforeach()

	# The model's own helpers: ioctl encoding, portability, checks
	set(own "^IOMMUFD_(IO|IOR|IOW|IOWR|IOC|IOC_[A-Z]+|STATIC_ASSERT|ALIGNAS|ALIGNED_U64|ABI_[A-Z0-9_]+)$")
	set(missing "")
	foreach(h "${ABI_KERNEL_IOMMUFD_H}" "${ABI_KERNEL_TEST_H}")
		abi_scan("${h}" n s f)
		list(LENGTH n nn)
		list(LENGTH s ns)
		list(LENGTH f nf)
		message(STATUS "${h}: ${nn} names, ${ns} structs, ${nf} fields")
		if(nn EQUAL 0 OR ns EQUAL 0 OR nf EQUAL 0)
			message(FATAL_ERROR "${h}: scan found nothing")
		endif()
		abi_require("name" "${h}" n "" missing consts)
		abi_require("struct" "${h}" s "" missing structs)
		abi_require("field" "${h}" f "" missing fields)
	endforeach()
	foreach(h uapi.h uapi_test.h uapi_vfio.h)
		set(h "${ABI_MODEL_INCLUDE}/iommufd/${h}")
		abi_scan("${h}" n s f)
		list(LENGTH n nn)
		list(LENGTH s ns)
		list(LENGTH f nf)
		message(STATUS "${h}: ${nn} names, ${ns} structs, ${nf} fields")
		if(nn EQUAL 0 OR ns EQUAL 0 OR nf EQUAL 0)
			message(FATAL_ERROR "${h}: scan found nothing")
		endif()
		abi_require("name" "${h}" n "${own}" missing consts later_consts)
		abi_require("struct" "${h}" s "" missing structs)
		abi_require("field" "${h}" f "" missing fields later_fields)
	endforeach()
	if(NOT missing STREQUAL "")
		list(JOIN missing "\n  " text)
		message(FATAL_ERROR "not in tests/abi_list.h:\n  ${text}")
	endif()
	message(STATUS "tests/abi_list.h covers both the kernel's and our headers")

else()
	message(FATAL_ERROR "ABI_MODE must be compare, coverage or cxx")
endif()
return()
endif()

# =========================================================== configuration
set(ABI_CHECK_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")
set(ABI_TESTS_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(ABI_INCLUDE_DIR "${PROJECT_SOURCE_DIR}/include")
set(ABI_WORK_DIR "${CMAKE_CURRENT_BINARY_DIR}/abi")

# Each header on its own, included twice, as strict C11
set(_abi_tus "")
foreach(_h uapi uapi_vfio uapi_test)
	file(CONFIGURE OUTPUT "${ABI_WORK_DIR}/selfcontained_${_h}.c" CONTENT
"/* generated by tests/abi_crosscheck.cmake */
#include <iommufd/${_h}.h>
#include <iommufd/${_h}.h>
")
	list(APPEND _abi_tus "${ABI_WORK_DIR}/selfcontained_${_h}.c")
endforeach()
add_library(abi_headers_selfcontained OBJECT ${_abi_tus})
target_include_directories(abi_headers_selfcontained PRIVATE ${ABI_INCLUDE_DIR})
set_target_properties(abi_headers_selfcontained PROPERTIES C_EXTENSIONS OFF)

add_executable(abi_dump_model abi_dump_model.c)
target_include_directories(abi_dump_model PRIVATE ${ABI_INCLUDE_DIR}
	${ABI_TESTS_DIR})

set(_abi_deps abi_headers_selfcontained abi_dump_model)

# The same dump built as C++. Not a CMake target: the project's warning
# flags include C-only options that a C++ compile would reject.
if(CMAKE_CXX_COMPILER)
	set(MODEL_ABI_CXX "${CMAKE_CXX_COMPILER}")
else()
	find_program(MODEL_ABI_CXX NAMES c++ g++ clang++)
endif()
if(MODEL_ABI_CXX)
	add_test(NAME abi_cxx COMMAND ${CMAKE_COMMAND} -DABI_MODE=cxx
		"-DABI_CXX=${MODEL_ABI_CXX}" "-DABI_INCLUDE=${ABI_INCLUDE_DIR}"
		"-DABI_TESTS=${ABI_TESTS_DIR}" "-DABI_WORK=${ABI_WORK_DIR}"
		"-DABI_MODEL_DUMP=$<TARGET_FILE:abi_dump_model>"
		-P "${ABI_CHECK_SCRIPT}")
	set_tests_properties(abi_cxx PROPERTIES LABELS unit)
else()
	message(STATUS "ABI: no C++ compiler, test abi_cxx not added")
endif()

# The kernel's headers, from the Debian linux-source-6.12 package
set(MODEL_LINUX_SOURCE_TARBALL "/usr/src/linux-source-6.12.tar.xz" CACHE FILEPATH
	"Linux 6.12 source tarball to cross-check the uapi headers against")
if(EXISTS "${MODEL_LINUX_SOURCE_TARBALL}")
	set(_abi_ksrc "${ABI_WORK_DIR}/kernel")
	set(_abi_top "linux-source-6.12")
	set(_abi_members
		"${_abi_top}/include/uapi/linux/iommufd.h"
		"${_abi_top}/include/uapi/linux/vfio.h"
		"${_abi_top}/drivers/iommu/iommufd/iommufd_test.h")
	set(_abi_fresh TRUE)
	foreach(_m ${_abi_members})
		if(NOT EXISTS "${_abi_ksrc}/${_m}" OR "${MODEL_LINUX_SOURCE_TARBALL}"
				IS_NEWER_THAN "${_abi_ksrc}/${_m}")
			set(_abi_fresh FALSE)
		endif()
	endforeach()
	if(NOT _abi_fresh)
		message(STATUS "ABI: extracting the uapi headers from "
			"${MODEL_LINUX_SOURCE_TARBALL}")
		file(MAKE_DIRECTORY "${_abi_ksrc}")
		execute_process(COMMAND ${CMAKE_COMMAND} -E tar xf
				"${MODEL_LINUX_SOURCE_TARBALL}" ${_abi_members}
			WORKING_DIRECTORY "${_abi_ksrc}" RESULT_VARIABLE _abi_rc)
		foreach(_m ${_abi_members})
			if(NOT EXISTS "${_abi_ksrc}/${_m}")
				set(_abi_rc "${_m} missing")
			else()
				# tar keeps the archive's mtime; mark it as extracted now
				file(TOUCH_NOCREATE "${_abi_ksrc}/${_m}")
			endif()
		endforeach()
		if(NOT _abi_rc EQUAL 0)
			message(FATAL_ERROR "ABI: extracting from "
				"${MODEL_LINUX_SOURCE_TARBALL} failed: ${_abi_rc}")
		endif()
	endif()

	add_executable(abi_dump_kernel abi_dump_kernel.c)
	# ahead of /usr/include/linux/{iommufd,vfio}.h from linux-libc-dev
	target_include_directories(abi_dump_kernel BEFORE PRIVATE
		"${_abi_ksrc}/${_abi_top}/include/uapi"
		"${_abi_ksrc}/${_abi_top}/drivers/iommu/iommufd"
		${ABI_TESTS_DIR})
	target_compile_definitions(abi_dump_kernel PRIVATE __user=)
	list(APPEND _abi_deps abi_dump_kernel)

	add_test(NAME abi_crosscheck COMMAND ${CMAKE_COMMAND} -DABI_MODE=compare
		"-DABI_KERNEL_DUMP=$<TARGET_FILE:abi_dump_kernel>"
		"-DABI_MODEL_DUMP=$<TARGET_FILE:abi_dump_model>"
		-P "${ABI_CHECK_SCRIPT}")
	add_test(NAME abi_crosscheck_coverage COMMAND ${CMAKE_COMMAND}
		-DABI_MODE=coverage
		"-DABI_MODEL_DUMP=$<TARGET_FILE:abi_dump_model>"
		"-DABI_KERNEL_IOMMUFD_H=${_abi_ksrc}/${_abi_top}/include/uapi/linux/iommufd.h"
		"-DABI_KERNEL_TEST_H=${_abi_ksrc}/${_abi_top}/drivers/iommu/iommufd/iommufd_test.h"
		"-DABI_MODEL_INCLUDE=${ABI_INCLUDE_DIR}"
		-P "${ABI_CHECK_SCRIPT}")
	set_tests_properties(abi_crosscheck abi_crosscheck_coverage
		PROPERTIES LABELS unit)
else()
	message(STATUS "ABI: ${MODEL_LINUX_SOURCE_TARBALL} not found "
		"(Debian package linux-source-6.12); abi_crosscheck not added")
endif()

# ctest -R abi after building test_abi must find everything built
if(TARGET test_abi)
	add_dependencies(test_abi ${_abi_deps})
endif()

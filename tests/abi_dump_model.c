/* SPDX-License-Identifier: MIT */
/*
 * Prints the tests/abi_list.h facts as the model's headers define them;
 * compared line by line with abi_dump_kernel's output. --later prints the
 * later-kernel names the model adds (for the coverage check).
 */
#include <iommufd/uapi.h>
#include <iommufd/uapi_test.h>
#include <iommufd/uapi_vfio.h>

#define ABI_DUMP_LATER 1
#include "abi_dump.h"

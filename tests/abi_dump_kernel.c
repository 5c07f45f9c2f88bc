/* SPDX-License-Identifier: MIT */
/*
 * Prints the tests/abi_list.h facts as the kernel's own headers define them.
 * Built only by tests/abi_crosscheck.cmake, with the include path pointing at
 * headers extracted from the Linux 6.12 source package; <linux/types.h> and
 * <linux/ioctl.h> come from the system (linux-libc-dev). The raw uapi
 * headers still say __user, which header installation would strip: the
 * build defines it away.
 */
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd_test.h"

#include "abi_dump.h"

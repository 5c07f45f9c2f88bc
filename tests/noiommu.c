// SPDX-License-Identifier: MIT
#include "harness.h"
Test(noiommu, placeholder) {}

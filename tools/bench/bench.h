/* SPDX-License-Identifier: MIT */
/* Shared by the iommufd-bench sources */
#ifndef TOOLS_BENCH_BENCH_H
#define TOOLS_BENCH_BENCH_H

#include <stdbool.h>

double bench_now(void);
void bench_page_tables(bool quick);

#endif

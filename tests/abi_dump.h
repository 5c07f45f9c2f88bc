/* SPDX-License-Identifier: MIT */
/*
 * Body shared by abi_dump_kernel.c and abi_dump_model.c: prints one
 * "NAME VALUE" line per fact of tests/abi_list.h, in list order, for
 * whichever headers the including file pulled in first.
 *
 *   sizeof:S / alignof:S            struct S
 *   offsetof:S.F / sizeof:S.F       member F of S (F may be a path a.b)
 *   unsigned:S.F                    1 if the integer member F is unsigned
 *   NAME                            a constant, as hex
 *
 * With --later, only the later-kernel entries are printed ("later:NAME",
 * "later:offsetof:S.F"); a file defines ABI_DUMP_LATER to have them.
 */
#ifndef TESTS_ABI_DUMP_H
#define TESTS_ABI_DUMP_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ABI_MEMBER_OF(s, f) (((struct s *)0)->f)
#ifdef __cplusplus /* the model dump is also built as C++ */
#define ABI_ALIGNOF(t) alignof(t)
#else
#define ABI_ALIGNOF(t) _Alignof(t)
#endif

#define ABI_PRINT_OFFSET(s, f) \
	printf("offsetof:%s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define ABI_PRINT_SIZE(s, f) \
	printf("sizeof:%s.%s %zu\n", #s, #f, sizeof(ABI_MEMBER_OF(s, f)))

static void abi_dump_all(void)
{
#define ABI_STRUCT(s)                                                \
	printf("sizeof:%s %zu\n", #s, sizeof(struct s));             \
	printf("alignof:%s %zu\n", #s, (size_t)ABI_ALIGNOF(struct s));
#define ABI_FIELD(s, f)                                              \
	ABI_PRINT_OFFSET(s, f);                                      \
	ABI_PRINT_SIZE(s, f);                                        \
	printf("unsigned:%s.%s %d\n", #s, #f,                        \
	       (int)((__typeof__(ABI_MEMBER_OF(s, f)))-1 > 0));
#define ABI_MEMBER(s, f)  \
	ABI_PRINT_OFFSET(s, f); \
	ABI_PRINT_SIZE(s, f);
#define ABI_FLEX(s, f) ABI_PRINT_OFFSET(s, f);
#define ABI_CONST(n) printf("%s 0x%llx\n", #n, (unsigned long long)(n));
#define ABI_LATER(n)
#define ABI_LATER_FIELD(s, f)
#include "abi_list.h"
#undef ABI_STRUCT
#undef ABI_FIELD
#undef ABI_MEMBER
#undef ABI_FLEX
#undef ABI_CONST
#undef ABI_LATER
#undef ABI_LATER_FIELD
}

static void abi_dump_later(void)
{
#define ABI_STRUCT(s)
#define ABI_FIELD(s, f)
#define ABI_MEMBER(s, f)
#define ABI_FLEX(s, f)
#define ABI_CONST(n)
#ifdef ABI_DUMP_LATER
#define ABI_LATER(n) printf("later:%s 0x%llx\n", #n, (unsigned long long)(n));
#define ABI_LATER_FIELD(s, f) \
	printf("later:offsetof:%s.%s %zu\n", #s, #f, offsetof(struct s, f));
#else
#define ABI_LATER(n)
#define ABI_LATER_FIELD(s, f)
#endif
#include "abi_list.h"
#undef ABI_STRUCT
#undef ABI_FIELD
#undef ABI_MEMBER
#undef ABI_FLEX
#undef ABI_CONST
#undef ABI_LATER
#undef ABI_LATER_FIELD
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--later"))
		abi_dump_later();
	else
		abi_dump_all();
	return fflush(stdout) ? 1 : 0;
}

#endif /* TESTS_ABI_DUMP_H */

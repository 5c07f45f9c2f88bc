// SPDX-License-Identifier: MIT
/*
 * iommufd-sim: the command-line face of the model. Trace replay and
 * running programs against the model arrive as subcommands; until then it
 * reports what it is.
 */
#include <stdio.h>
#include <string.h>

#include <iommufd/model.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-sim [-h|--help] [-V|--version]\n"
		"\n"
		"An executable model of the Linux 6.12 iommufd uAPI. The model\n"
		"itself is the library libiommufd-model (see README.md); this\n"
		"program will carry trace replay and program runners.\n"
		"\n"
		"Options:\n"
		"  -h, --help     show this help and exit\n"
		"  -V, --version  show the version and the build options\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 &&
	    (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))) {
		printf("iommufd-sim %s, models Linux 6.12, invariants %s\n",
		       IOMMUFD_MODEL_VERSION,
		       iommufd_model_debug_invariants() ? "checked after every ioctl" :
							  "off");
		return 0;
	}
	if (argc > 1)
		fprintf(stderr, "iommufd-sim: unknown argument '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

// SPDX-License-Identifier: MIT
/*
 * Traces with devices (sim/trace.c, sim/replay.c): the header's machine
 * and its errors by line, VFIO cdev bind/attach/detach and DMA replayed
 * on the platform it builds, divergences in DMA results, and the bundled
 * device examples.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iommufd/model.h>

#include "replay.h"
#include "trace.h"

#define HDR_M(machine)                                                  \
	"{\"format\":\"iommufd-trace\",\"version\":1,\"kernel\":\"6.12\"," \
	"\"machine\":" machine "}\n"
#define VTD1                                                            \
	"{\"iommus\":[{\"kind\":\"intel-vtd\"}],\"devices\":[{\"name\":"  \
	"\"0000:01:00.0\"}]}"
#define IOFD "\"fd\":{\"kind\":\"iommufd\",\"handle\":1}"
#define DEVFD "\"fd\":{\"kind\":\"vfio-device\",\"handle\":2}"
#define OPENS                                                           \
	"{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":\"iommufd\","    \
	"\"handle\":1,\"num\":3}}\n"                                    \
	"{\"seq\":2,\"kind\":\"open\",\"fd\":{\"kind\":\"vfio-device\"," \
	"\"handle\":2,\"num\":4},\"device\":\"0000:01:00.0\"}\n"
#define BIND(seq, fdnum, res)                                           \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," DEVFD                   \
	",\"ioctl\":\"VFIO_DEVICE_BIND_IOMMUFD\",\"arg\":\"0x10000\","  \
	"\"in\":{\"fields\":{\"argsz\":16,\"flags\":0,\"iommufd\":" #fdnum \
	",\"out_devid\":0}}" res "}\n"
#define ATTACH(seq, pt, res)                                            \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," DEVFD                   \
	",\"ioctl\":\"VFIO_DEVICE_ATTACH_IOMMUFD_PT\",\"arg\":\"0x10000\"," \
	"\"in\":{\"fields\":{\"argsz\":12,\"flags\":0,\"pt_id\":" #pt   \
	"}}" res "}\n"
#define DETACH(seq, res)                                                \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," DEVFD                   \
	",\"ioctl\":\"VFIO_DEVICE_DETACH_IOMMUFD_PT\",\"arg\":\"0x10000\"," \
	"\"in\":{\"fields\":{\"argsz\":8,\"flags\":0}}" res "}\n"
#define IOAS(seq)                                                       \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," IOFD                    \
	",\"ioctl\":\"IOMMU_IOAS_ALLOC\",\"arg\":\"0x10000\",\"in\":{"  \
	"\"fields\":{\"size\":12,\"flags\":0,\"out_ioas_id\":0}},"      \
	"\"ret\":0,\"out\":{\"fields\":{\"out_ioas_id\":2}}}\n"
#define MAP(seq)                                                        \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," IOFD                    \
	",\"ioctl\":\"IOMMU_IOAS_MAP\",\"arg\":\"0x10000\",\"in\":{"    \
	"\"fields\":{\"size\":40,\"flags\":7,\"ioas_id\":2,"            \
	"\"user_va\":\"0x7f0000000000\",\"length\":\"0x4000\","         \
	"\"iova\":\"0x100000\"}},\"ret\":0}\n"
#define DMA(seq, iova, write, hex, status)                              \
	"{\"seq\":" #seq ",\"kind\":\"dma\",\"device\":\"0000:01:00.0\"," \
	"\"iova\":\"" iova "\",\"length\":4,\"write\":" #write          \
	",\"hex\":\"" hex "\",\"status\":\"" status "\"}\n"

static const struct sim_replay_opts quiet = { 0 };

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/sim_devices_XXXXXX");
	int fd;

	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static enum sim_replay_status replay_text(const char *text,
					  struct sim_replay_result *res)
{
	char *path = write_temp(text);
	enum sim_replay_status st = sim_replay_file(path, &quiet, res);

	unlink(path);
	free(path);
	return st;
}

static void expect_read_error(const char *text, unsigned int line,
			      const char *needle)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct sim_reader *r;
	struct sim_header hdr;
	struct sim_record rec;
	struct sim_err err = { 0 };
	int rc;

	cr_assert_not_null(f);
	r = sim_reader_new(f, "t.jsonl");
	sim_record_init(&rec);
	rc = sim_reader_header(r, &hdr, &err);
	while (!rc && (rc = sim_reader_next(r, &rec, &err)) == 1)
		rc = 0;
	sim_record_clear(&rec);
	sim_reader_free(r);
	fclose(f);
	cr_assert_eq(rc, -1, "accepted: %s", text);
	cr_expect_eq(err.line, line, "line %u, not %u: %s", err.line, line,
		     err.msg);
	cr_expect(strstr(err.msg, needle), "'%s' not in: %s", needle, err.msg);
}

Test(sim_devices, machine_errors_are_named_by_line)
{
	static const char *const cases[][3] = {
		{ HDR_M("{\"iommus\":[{\"kind\":\"arm-smmu\"}]}"), "1",
		  "machine.iommus[0].kind: unknown IOMMU kind 'arm-smmu'" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"amd\",\"ecap\":\"0x1\"}]}"),
		  "1", "machine.iommus[0].ecap: this IOMMU kind has no such" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"intel-vtd\",\"cap\":\"0xZ\"}]}"),
		  "1", "is not an integer" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"intel-vtd\"}],\"devices\":"
			"[{\"name\":\"a\",\"iommu\":1}]}"),
		  "1", "machine.devices[0].iommu: 1 is not an index" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"intel-vtd\"}],\"devices\":"
			"[{\"name\":\"a\"},{\"name\":\"a\"}]}"),
		  "1", "declared twice" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"intel-vtd\"}],\"devices\":"
			"[{\"name\":\"a\",\"mock_flags\":1}]}"),
		  "1", "only devices behind a mock IOMMU" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"intel-vtd\"}],\"devices\":"
			"[{\"name\":\"a\",\"resv\":[{\"start\":8,\"last\":4}]}]}"),
		  "1", "machine.devices[0].resv[0]: last is below start" },
		{ HDR_M("{\"config\":[\"frob\"]}"), "1",
		  "machine.config[0] must be one of" },
		{ HDR_M("{\"cpus\":4}"), "1", "unknown member 'cpus' in machine" },
		{ HDR_M(VTD1) "{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":"
			      "\"vfio-device\",\"handle\":2},\"device\":\"x\"}\n",
		  "2", "unknown device 'x'" },
		{ HDR_M(VTD1) DMA(1, "0x1000", true, "00", "ok"), "2",
		  "hex has 1 bytes, length is 4" },
		{ HDR_M(VTD1) DMA(1, "0x1000", true, "00000000", "done"), "2",
		  "status must be" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_read_error(cases[i][0],
				  (unsigned int)atoi(cases[i][1]), cases[i][2]);
}

Test(sim_devices, machine_round_trips_through_the_writer)
{
	static const char text[] = HDR_M(
		"{\"config\":[\"test\"],\"iommus\":[{\"kind\":\"intel-vtd\","
		"\"ecap\":\"0x1234\",\"legacy\":true},{\"kind\":\"amd\","
		"\"efr\":\"0x8\"}],\"devices\":[{\"name\":\"d0\",\"iommu\":1,"
		"\"group\":7,\"max_pasids\":32,\"resv\":[{\"start\":\"0x1000\","
		"\"last\":\"0x1fff\",\"type\":\"direct\"}]}]}");
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct sim_reader *r = sim_reader_new(f, "t");
	struct sim_header hdr, again;
	struct sim_err err;

	cr_assert_eq(sim_reader_header(r, &hdr, &err), 0, "%s", err.msg);
	sim_reader_free(r);
	fclose(f);
	cr_expect(hdr.machine.config == IOMMUFD_CONFIG_TEST);
	cr_expect_eq(hdr.machine.devs[0].resv[0].last, 0x1fff);
	cr_assert_eq(sim_write_header(out, &hdr), 0);
	fclose(out);
	f = fmemopen(buf, len, "r");
	r = sim_reader_new(f, "t2");
	cr_assert_eq(sim_reader_header(r, &again, &err), 0, "%s", err.msg);
	cr_expect(!memcmp(&hdr.machine, &again.machine, sizeof(hdr.machine)),
		  "%s", buf);
	sim_reader_free(r);
	fclose(f);
	free(buf);
}

Test(sim_devices, bind_attach_detach_and_dma)
{
	static const char text[] =
		HDR_M(VTD1) OPENS
		ATTACH(3, 1, ",\"ret\":-1,\"errno\":\"EINVAL\"")
		BIND(4, 9, ",\"ret\":-1,\"errno\":\"EBADF\"")
		BIND(5, 4, ",\"ret\":-1,\"errno\":\"EBADFD\"")
		BIND(6, 3, ",\"ret\":0,\"out\":{\"fields\":{\"out_devid\":1}}")
		BIND(7, 3, ",\"ret\":-1,\"errno\":\"EINVAL\"")
		IOAS(8)
		DMA(9, "0x100000", true, "01020304", "blocked")
		ATTACH(10, 2, ",\"ret\":0")
		MAP(11)
		DMA(12, "0x100ffe", true, "01020304", "ok")
		DMA(13, "0x100ffe", false, "01020304", "ok")
		DMA(14, "0x104000", false, "00000000", "fault")
		DETACH(15, ",\"ret\":0")
		DETACH(16, ",\"ret\":0")
		DMA(17, "0x100000", true, "01020304", "blocked")
		"{\"seq\":18,\"kind\":\"close\"," DEVFD "}\n";
	struct sim_replay_result res;

	cr_assert_eq(replay_text(text, &res), SIM_REPLAY_AGREE,
		     "%s; first divergence line %u %s: %s, got %s", res.error,
		     res.nkept ? res.divs[0].line : 0,
		     res.nkept ? res.divs[0].field : "-",
		     res.nkept ? res.divs[0].expected : "-",
		     res.nkept ? res.divs[0].got : "-");
	cr_expect_eq(res.records, 18);
	sim_replay_result_free(&res);
}

Test(sim_devices, dma_divergences_are_reported)
{
	static const char text[] =
		HDR_M(VTD1) OPENS
		BIND(3, 3, ",\"ret\":0")
		IOAS(4)
		ATTACH(5, 2, ",\"ret\":0,\"out\":{\"fields\":{\"pt_id\":7}}")
		MAP(6)
		DMA(7, "0x100000", true, "01020304", "ok")
		DMA(8, "0x100000", false, "01020305", "ok")
		DMA(9, "0x200000", true, "01020304", "ok");
	struct sim_replay_result res;

	cr_assert_eq(replay_text(text, &res), SIM_REPLAY_DIVERGED, "%s",
		     res.error);
	cr_assert_eq(res.nkept, 3);
	/* the automatic HWPT of the IOAS is 3, not 7 */
	cr_expect_str_eq(res.divs[0].field, "out.pt_id");
	cr_expect_eq(res.divs[1].line, 9);
	cr_expect_str_eq(res.divs[1].field, "hex[+3]");
	cr_expect_str_eq(res.divs[1].expected, "05");
	cr_expect_str_eq(res.divs[1].got, "04");
	cr_expect_eq(res.divs[2].line, 10);
	cr_expect_str_eq(res.divs[2].record, "dma");
	cr_expect_str_eq(res.divs[2].field, "status");
	cr_expect_str_eq(res.divs[2].expected, "ok");
	cr_expect_str_eq(res.divs[2].got, "fault");
	sim_replay_result_free(&res);
}

Test(sim_devices, unreplayable_device_records_execute_nothing)
{
	static const char *const cases[][2] = {
		{ HDR_M(VTD1) OPENS
		  "{\"seq\":3,\"kind\":\"page_request\",\"device\":"
		  "\"0000:01:00.0\",\"addr\":4096}\n",
		  "unsupported record kind 'page_request' at line 4" },
		{ HDR_M(VTD1) OPENS
		  "{\"seq\":3,\"kind\":\"dma\",\"device\":\"0000:01:00.0\","
		  "\"pasid\":1,\"iova\":4096,\"length\":4,\"write\":false}\n",
		  "unsupported record kind 'dma' with a pasid at line 4" },
		{ HDR_M(VTD1) OPENS
		  "{\"seq\":3,\"kind\":\"ioctl\"," DEVFD ",\"ioctl\":"
		  "\"VFIO_DEVICE_GET_INFO\",\"arg\":\"0x10000\"}\n",
		  "unsupported record kind 'ioctl' (VFIO_DEVICE_GET_INFO) on a "
		  "vfio-device file at line 4" },
		{ HDR_M("{\"iommus\":[{\"kind\":\"mock\"}],\"devices\":[{"
			"\"name\":\"m\",\"mock_flags\":4096}]}"),
		  ":1: machine.devices[0] ('m'): the platform refuses it" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_replay_result res;

		cr_assert_eq(replay_text(cases[i][0], &res), SIM_REPLAY_ERROR,
			     "case %zu", i);
		cr_expect(strstr(res.error, cases[i][1]), "%s", res.error);
		cr_expect_eq(res.records, 0);
		sim_replay_result_free(&res);
	}
}

Test(sim_devices, bundled_device_examples_agree)
{
	static const char *const traces[] = {
		SIM_EXAMPLES_DIR "/vm-dirty-migration.jsonl",
		SIM_EXAMPLES_DIR "/vm-dirty-migration.inputs.jsonl",
		SIM_EXAMPLES_DIR "/vfio-compat.jsonl",
		SIM_EXAMPLES_DIR "/vfio-compat.inputs.jsonl",
	};

	for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		struct sim_replay_result res;

		cr_expect_eq(sim_replay_file(traces[i], &quiet, &res),
			     SIM_REPLAY_AGREE, "%s: %s", traces[i], res.error);
		cr_expect_eq(res.ndiv, 0, "%s", traces[i]);
		sim_replay_result_free(&res);
	}
}

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
		"\"group\":7,\"max_pasids\":32,\"ats_pri\":true,\"resv\":[{"
		"\"start\":\"0x1000\",\"last\":\"0x1fff\",\"type\":\"direct\"}]}]}");
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
	cr_expect(hdr.machine.devs[0].ats_pri);
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

/*
 * A device driver's requests are the real device's answers: replay skips
 * them, compares nothing of them, and --record keeps them without results
 */
Test(sim_devices, driver_requests_are_skipped_not_compared)
{
	struct sim_replay_result res;
	const char *t = HDR_M(VTD1) OPENS
		"{\"seq\":3,\"kind\":\"ioctl\"," DEVFD ",\"ioctl\":"
		"\"VFIO_DEVICE_GET_INFO\",\"arg\":\"0x10000\",\"in\":{"
		"\"hex\":\"180000000000000000000000000000000000000000000000\"},"
		"\"ret\":0,\"out\":{\"hex\":\"18000000030000000900000005000000"
		"0000000000000000\"}}\n"
		"{\"seq\":4,\"kind\":\"ioctl\"," DEVFD ",\"ioctl\":null,"
		"\"nr\":\"0x3b6f\",\"arg\":\"0x10000\",\"ret\":-1,"
		"\"errno\":\"EIO\"}\n";

	cr_assert_eq(replay_text(t, &res), SIM_REPLAY_AGREE, "%s", res.error);
	cr_expect_eq(res.records, 4);
	/* the opens carry no results; the driver requests' are not used */
	cr_expect_eq(res.compared, 0);
	cr_expect_eq(res.unchecked, 4);
	cr_expect_eq(res.ndiv, 0);
	sim_replay_result_free(&res);
}

Test(sim_devices, unreplayable_device_records_execute_nothing)
{
	static const char *const cases[][2] = {
		{ HDR_M(VTD1) OPENS
		  "{\"seq\":3,\"kind\":\"dma\",\"device\":\"0000:01:00.0\","
		  "\"pasid\":1,\"iova\":4096,\"length\":4,\"write\":false}\n",
		  "unsupported record kind 'dma' with a pasid at line 4" },
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
		SIM_EXAMPLES_DIR "/iopf.jsonl",
		SIM_EXAMPLES_DIR "/iopf.inputs.jsonl",
	};

	for (size_t i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		struct sim_replay_result res;

		cr_expect_eq(sim_replay_file(traces[i], &quiet, &res),
			     SIM_REPLAY_AGREE, "%s: %s", traces[i], res.error);
		cr_expect_eq(res.ndiv, 0, "%s", traces[i]);
		sim_replay_result_free(&res);
	}
}

/* ------------------------------------------------ page requests (PRI) */

/* Two mock devices, each in its own group */
#define MOCK2                                                           \
	"{\"config\":[\"test\"],\"iommus\":[{\"kind\":\"mock\"}],"      \
	"\"devices\":[{\"name\":\"a\",\"group\":1},{\"name\":\"b\","    \
	"\"group\":2}]}"
#define AFD "\"fd\":{\"kind\":\"vfio-device\",\"handle\":2}"
#define BFD "\"fd\":{\"kind\":\"vfio-device\",\"handle\":3}"
#define QFD "\"fd\":{\"kind\":\"fault\",\"handle\":4}"
#define P_IOCTL(seq, fd, name, fields, rest)                            \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\"," fd ",\"ioctl\":\"" name \
	"\",\"arg\":\"0x10000\",\"in\":{\"fields\":{" fields "}}" rest "}\n"
#define P_NESTED(seq, dev_id, flags, fault_id, rest)                    \
	P_IOCTL(seq, IOFD, "IOMMU_HWPT_ALLOC",                          \
		"\"size\":48,\"flags\":" #flags ",\"dev_id\":" #dev_id  \
		",\"pt_id\":4,\"data_type\":57005,\"data_len\":4,"      \
		"\"data_uptr\":\"0x20000\",\"fault_id\":" #fault_id,    \
		",\"in_buffers\":{\"data_uptr\":{\"addr\":\"0x20000\","  \
		"\"hex\":\"efbeadbb\"}}" rest)
#define P_REQ(seq, dev, addr, perm, grpid, last, res)                   \
	"{\"seq\":" #seq ",\"kind\":\"page_request\",\"device\":\"" dev \
	"\",\"addr\":\"" addr "\",\"perm\":[" perm "],\"grpid\":" #grpid \
	",\"last\":" #last res "}\n"
#define P_SETUP                                                         \
	"{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":\"iommufd\","    \
	"\"handle\":1,\"num\":3}}\n"                                    \
	"{\"seq\":2,\"kind\":\"open\",\"fd\":{\"kind\":\"vfio-device\"," \
	"\"handle\":2,\"num\":4},\"device\":\"a\"}\n"                   \
	"{\"seq\":3,\"kind\":\"open\",\"fd\":{\"kind\":\"vfio-device\"," \
	"\"handle\":3,\"num\":5},\"device\":\"b\"}\n"                   \
	P_IOCTL(4, AFD, "VFIO_DEVICE_BIND_IOMMUFD",                     \
		"\"argsz\":16,\"iommufd\":3", ",\"ret\":0")             \
	P_IOCTL(5, BFD, "VFIO_DEVICE_BIND_IOMMUFD",                     \
		"\"argsz\":16,\"iommufd\":3", ",\"ret\":0")             \
	P_IOCTL(6, IOFD, "IOMMU_IOAS_ALLOC", "\"size\":12", ",\"ret\":0") \
	P_IOCTL(7, IOFD, "IOMMU_HWPT_ALLOC",                            \
		"\"size\":48,\"flags\":1,\"dev_id\":1,\"pt_id\":3",     \
		",\"ret\":0,\"out\":{\"fields\":{\"out_hwpt_id\":4}}")  \
	P_IOCTL(8, IOFD, "IOMMU_FAULT_QUEUE_ALLOC", "\"size\":16",      \
		",\"new_fd\":{\"kind\":\"fault\",\"handle\":4},\"ret\":0," \
		"\"out\":{\"fields\":{\"out_fault_id\":5}}")            \
	P_NESTED(9, 1, 4, 5,                                            \
		 ",\"ret\":0,\"out\":{\"fields\":{\"out_hwpt_id\":6}}") \
	P_NESTED(10, 2, 0, 0,                                           \
		 ",\"ret\":0,\"out\":{\"fields\":{\"out_hwpt_id\":7}}") \
	P_IOCTL(11, AFD, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",               \
		"\"argsz\":12,\"pt_id\":6", ",\"ret\":0")               \
	P_IOCTL(12, BFD, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",               \
		"\"argsz\":12,\"pt_id\":7", ",\"ret\":0")
#define Q ",\"status\":\"queued\""
#define INV ",\"status\":\"responded\",\"code\":\"INVALID\""
#define P_DMA(seq, res)                                                 \
	"{\"seq\":" #seq ",\"kind\":\"dma\",\"device\":\"a\",\"iova\":" \
	"\"0x30004\",\"length\":4,\"write\":false" res "}\n"
#define P_FAULT                                                         \
	",\"status\":\"fault\",\"fault\":{\"addr\":\"0x30000\",\"perm\":" \
	"[\"READ\"],\"grpid\":0,\"last\":true,\"status\":\"queued\"}"

/* Page requests (13-17), a DMA's (18), then reading and answering them */
static const char iopf_trace[] =
	HDR_M(MOCK2) P_SETUP
	P_REQ(13, "a", "0x10000", "\"READ\"", 1, true, Q)
	P_REQ(14, "a", "0x20000", "\"READ\",\"WRITE\"", 2, false, Q)
	P_REQ(15, "a", "0x21000", "\"READ\",\"WRITE\"", 2, false, Q)
	P_REQ(16, "a", "0x22000", "\"WRITE\"", 2, true, Q)
	P_REQ(17, "b", "0x10000", "\"READ\"", 1, true, INV)
	P_DMA(18, P_FAULT)
	"{\"seq\":19,\"kind\":\"fault_read\"," QFD ",\"count\":240,"
	"\"faults\":[{\"addr\":\"0x10000\",\"flags\":2,\"cookie\":1},"
	"{\"addr\":\"0x20000\",\"flags\":0,\"grpid\":2,\"perm\":3,"
	"\"cookie\":2},{\"addr\":\"0x21000\",\"cookie\":2},"
	"{\"addr\":\"0x22000\",\"flags\":2,\"cookie\":2},"
	"{\"addr\":\"0x30000\",\"perm\":1,\"dev_id\":1,\"cookie\":3}],"
	"\"ret\":200}\n"
	"{\"seq\":20,\"kind\":\"fault_write\"," QFD ",\"responses\":["
	"{\"cookie\":2,\"code\":0},{\"cookie\":1,\"code\":1}],\"ret\":16}\n"
	"{\"seq\":21,\"kind\":\"fault_write\"," QFD ",\"responses\":["
	"{\"cookie\":2,\"code\":0}],\"ret\":-1,\"errno\":\"EINVAL\"}\n"
	"{\"seq\":22,\"kind\":\"close\"," QFD ",\"ret\":0}\n";

Test(sim_devices, page_requests_replay_and_agree)
{
	struct sim_replay_result res;

	cr_assert_eq(replay_text(iopf_trace, &res), SIM_REPLAY_AGREE,
		     "%s; first divergence line %u %s: %s, got %s", res.error,
		     res.nkept ? res.divs[0].line : 0,
		     res.nkept ? res.divs[0].field : "-",
		     res.nkept ? res.divs[0].expected : "-",
		     res.nkept ? res.divs[0].got : "-");
	cr_expect_eq(res.records, 22);
	cr_expect_eq(res.unchecked, 3, "the three opens carry no result");
	sim_replay_result_free(&res);
}

/* @text with the first @from replaced by @to */
static char *planted(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *s;

	cr_assert_not_null(at, "'%s' not in the trace", from);
	s = malloc(strlen(text) + strlen(to) + 1);
	cr_assert_not_null(s);
	memcpy(s, text, (size_t)(at - text));
	strcpy(s + (at - text), to);
	strcat(s, at + strlen(from));
	return s;
}

Test(sim_devices, page_request_divergences_are_reported)
{
	/* a status, a code, a DMA's page request, each recorded wrong */
	char *t1 = planted(iopf_trace, INV "}", Q "}");
	char *t2 = planted(t1, "\"grpid\":1,\"last\":true" Q,
			   "\"grpid\":1,\"last\":true,\"status\":\"responded\","
			   "\"code\":\"SUCCESS\"");
	char *text = planted(t2, "\"fault\":{\"addr\":\"0x30000\"",
			     "\"fault\":{\"addr\":\"0x31000\"");
	char *log = NULL;
	size_t loglen = 0;
	FILE *logf = open_memstream(&log, &loglen);
	struct sim_replay_opts opts = { .log = logf };
	struct sim_replay_result res;
	char *path = write_temp(text);

	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_DIVERGED,
		     "%s", res.error);
	fclose(logf);
	cr_assert_eq(res.nkept, 3, "%s", log);
	cr_expect_eq(res.divs[0].line, 14);
	cr_expect_str_eq(res.divs[0].record, "page_request");
	cr_expect_str_eq(res.divs[0].field, "status");
	cr_expect_str_eq(res.divs[0].expected, "responded");
	cr_expect_str_eq(res.divs[0].got, "queued");
	cr_expect_eq(res.divs[1].line, 18);
	cr_expect_str_eq(res.divs[1].field, "status");
	cr_expect_str_eq(res.divs[1].expected, "queued");
	cr_expect_str_eq(res.divs[1].got, "responded");
	cr_expect_eq(res.divs[2].line, 19);
	cr_expect_str_eq(res.divs[2].record, "dma");
	cr_expect_str_eq(res.divs[2].field, "fault.addr");
	cr_expect_str_eq(res.divs[2].expected, "0x31000");
	cr_expect_str_eq(res.divs[2].got, "0x30000");
	cr_expect(strstr(log, "seq 17 page_request: status: expected queued, "
			      "got responded"),
		  "%s", log);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
	free(log);
	free(text);
	free(t2);
	free(t1);
}

Test(sim_devices, page_request_code_divergence)
{
	/* b's request is answered INVALID, not FAILURE */
	char *text = planted(iopf_trace, "\"code\":\"INVALID\"",
			     "\"code\":\"FAILURE\"");
	struct sim_replay_result res;

	cr_assert_eq(replay_text(text, &res), SIM_REPLAY_DIVERGED, "%s",
		     res.error);
	cr_assert_eq(res.nkept, 1);
	cr_expect_eq(res.divs[0].line, 18);
	cr_expect_str_eq(res.divs[0].field, "code");
	cr_expect_str_eq(res.divs[0].expected, "FAILURE");
	cr_expect_str_eq(res.divs[0].got, "INVALID");
	sim_replay_result_free(&res);
	free(text);
}

Test(sim_devices, dma_fault_on_a_device_without_pri_diverges)
{
	static const char text[] =
		HDR_M(VTD1) OPENS
		BIND(3, 3, ",\"ret\":0")
		IOAS(4)
		ATTACH(5, 2, ",\"ret\":0")
		"{\"seq\":6,\"kind\":\"dma\",\"device\":\"0000:01:00.0\","
		"\"iova\":\"0x5000\",\"length\":4,\"write\":false" P_FAULT "}\n";
	struct sim_replay_result res;

	cr_assert_eq(replay_text(text, &res), SIM_REPLAY_DIVERGED, "%s",
		     res.error);
	cr_assert_eq(res.nkept, 1);
	cr_expect_str_eq(res.divs[0].field, "fault");
	cr_expect(strstr(res.divs[0].got, "none"), "%s", res.divs[0].got);
	sim_replay_result_free(&res);
}

/* Results stripped: what replay --record writes, and that it agrees */
Test(sim_devices, page_requests_record_their_results)
{
	char *t1 = planted(iopf_trace, P_FAULT, ",\"status\":\"fault\"");
	char *t2 = planted(t1, INV "}", "}");
	char *t3 = planted(t2, "\"grpid\":1,\"last\":true" Q,
			   "\"grpid\":1,\"last\":true");
	char *out = NULL, *path = write_temp(t3), *again;
	size_t outlen = 0;
	FILE *of = open_memstream(&out, &outlen);
	struct sim_replay_opts opts = { .record = of };
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	sim_replay_result_free(&res);
	fclose(of);
	cr_expect(strstr(out, "\"device\":\"b\",\"pasid\":null,\"addr\":"
			      "\"0x10000\",\"perm\":[\"READ\"],\"grpid\":1,"
			      "\"last\":true,\"status\":\"responded\","
			      "\"code\":\"INVALID\"}"),
		  "%s", out);
	cr_expect(strstr(out, "\"device\":\"a\",\"pasid\":null,\"addr\":"
			      "\"0x10000\",\"perm\":[\"READ\"],\"grpid\":1,"
			      "\"last\":true,\"status\":\"queued\"}"),
		  "%s", out);
	cr_expect(strstr(out, "\"status\":\"fault\",\"fault\":{\"pasid\":null,"
			      "\"addr\":\"0x30000\",\"perm\":[\"READ\"],"
			      "\"grpid\":0,\"last\":true,\"status\":"
			      "\"queued\"}"),
		  "%s", out);
	again = strdup(out);
	cr_assert_eq(replay_text(again, &res), SIM_REPLAY_AGREE, "%s",
		     res.error);
	cr_expect_eq(res.unchecked, 0, "every record has its results");
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
	free(again);
	free(out);
	free(t3);
	free(t2);
	free(t1);
}

Test(sim_devices, page_request_errors_are_named_by_line_and_member)
{
#define PRL(members)                                                    \
	HDR_M(MOCK2) "{\"seq\":1,\"kind\":\"page_request\"," members "}\n"
#define OK_PR "\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[\"READ\"]," \
	      "\"grpid\":1,\"last\":true"
#define DMAF(fault)                                                     \
	HDR_M(MOCK2) "{\"seq\":1,\"kind\":\"dma\",\"device\":\"a\","    \
	"\"iova\":\"0x1000\",\"length\":4,\"write\":false,\"status\":"  \
	"\"fault\",\"fault\":" fault "}\n"
	static const char *const cases[][2] = {
		{ PRL("\"addr\":\"0x1000\",\"perm\":[],\"grpid\":1,"
		      "\"last\":true"),
		  "page_request needs 'device'" },
		{ PRL("\"device\":\"z\",\"addr\":\"0x1000\",\"perm\":[],"
		      "\"grpid\":1,\"last\":true"),
		  "unknown device 'z'" },
		{ PRL("\"device\":\"a\",\"perm\":[],\"grpid\":1,\"last\":true"),
		  "page_request without 'addr'" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"grpid\":1,"
		      "\"last\":true"),
		  "page_request without 'perm'" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[],"
		      "\"last\":true"),
		  "page_request without 'grpid'" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[],"
		      "\"grpid\":1"),
		  "page_request without 'last'" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1001\",\"perm\":[],"
		      "\"grpid\":1,\"last\":true"),
		  "addr: 0x1001 is not a page address" },
		{ PRL("\"device\":\"a\",\"addr\":-4096,\"perm\":[],"
		      "\"grpid\":1,\"last\":true"),
		  "addr must not be negative" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":\"READ\","
		      "\"grpid\":1,\"last\":true"),
		  "perm must be an array" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[\"READ\","
		      "\"FLY\"],\"grpid\":1,\"last\":true"),
		  "perm[1]: not one of" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[\"READ\","
		      "\"READ\"],\"grpid\":1,\"last\":true"),
		  "perm[1]: READ is given twice" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[],"
		      "\"grpid\":512,\"last\":true"),
		  "grpid: 512 is larger than 511" },
		{ PRL("\"device\":\"a\",\"pasid\":1048576,\"addr\":\"0x1000\","
		      "\"perm\":[],\"grpid\":1,\"last\":true"),
		  "pasid: 1048576 is larger than 1048575" },
		{ PRL("\"device\":\"a\",\"addr\":\"0x1000\",\"perm\":[],"
		      "\"grpid\":1,\"last\":1"),
		  "last must be true or false" },
		{ PRL(OK_PR ",\"status\":\"lost\""),
		  "status must be \"queued\", \"responded\" or \"dropped\"" },
		{ PRL(OK_PR ",\"status\":\"queued\",\"code\":\"INVALID\""),
		  "code is given but status is not \"responded\"" },
		{ PRL(OK_PR ",\"status\":\"responded\",\"code\":\"MAYBE\""),
		  "code must be \"SUCCESS\", \"INVALID\" or \"FAILURE\"" },
		{ PRL(OK_PR ",\"grp\":1"), "unknown member 'grp' in the record" },
		{ DMAF("{\"adr\":\"0x1000\"}"), "unknown member 'adr' in fault" },
		{ DMAF("{\"addr\":\"0x1008\"}"),
		  "fault.addr: 0x1008 is not a page address" },
		{ DMAF("{\"perm\":[\"X\"]}"), "fault.perm[0]: not one of" },
		{ DMAF("{\"status\":\"responded\",\"code\":7}"),
		  "fault.code must be" },
		{ DMAF("[]"), "fault must be a JSON object" },
	};
#undef PRL
#undef OK_PR
#undef DMAF

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_read_error(cases[i][0], 2, cases[i][1]);
}

/*
 * VFIO groups (SPEC.md 6.9): group_open / group_close, the container a
 * group joins and leaves, device files from VFIO_GROUP_GET_DEVICE_FD
 * ("open" with "group"). Devices a, b in group 7, c in group 9, d none.
 */
#define GROUPS                                                          \
	"{\"iommus\":[{\"kind\":\"intel-vtd\"}],\"devices\":["          \
	"{\"name\":\"a\",\"group\":7},{\"name\":\"b\",\"group\":7},"    \
	"{\"name\":\"c\",\"group\":9},{\"name\":\"d\"}]}"
#define CONT "\"fd\":{\"kind\":\"vfio-container\",\"handle\":1,\"num\":3}"
#define G(seq, kind, group, res)                                        \
	"{\"seq\":" #seq ",\"kind\":\"" kind "\",\"group\":" #group res "}\n"
#define SETC(seq, group, res)                                           \
	"{\"seq\":" #seq ",\"kind\":\"group_set_container\"," CONT      \
	",\"group\":" #group res "}\n"
#define GDEV(seq, handle, dev, group, res)                              \
	"{\"seq\":" #seq ",\"kind\":\"open\",\"fd\":{\"kind\":"         \
	"\"vfio-device\",\"handle\":" #handle "},\"device\":\"" dev     \
	"\",\"group\":" #group res "}\n"
#define CLOSE(seq, kind, handle)                                        \
	"{\"seq\":" #seq ",\"kind\":\"close\",\"fd\":{\"kind\":\"" kind \
	"\",\"handle\":" #handle "}}\n"
#define DEVIOC(seq, handle, name, fields, res)                          \
	"{\"seq\":" #seq ",\"kind\":\"ioctl\",\"fd\":{\"kind\":"        \
	"\"vfio-device\",\"handle\":" #handle "},\"ioctl\":\"" name     \
	"\",\"arg\":\"0x10000\",\"in\":{\"fields\":{" fields "}}" res "}\n"
#define OK ",\"ret\":0"
#define FAILS(e) ",\"ret\":-1,\"errno\":\"" e "\""
#define GOPEN_OK ",\"ret\":4"

static const char group_trace[] =
	HDR_M(GROUPS)
	"{\"seq\":1,\"kind\":\"open\"," CONT "}\n"
	G(2, "group_open", 12, FAILS("ENOENT"))
	G(3, "group_open", 7, GOPEN_OK)
	G(4, "group_open", 7, FAILS("EBUSY"))
	/* the name is looked up among the group's devices, then the container */
	GDEV(5, 2, "a", 7, FAILS("EINVAL"))
	GDEV(6, 3, "c", 7, FAILS("ENODEV"))
	G(7, "group_unset_container", 7, FAILS("EINVAL"))
	SETC(8, 7, OK)
	SETC(9, 7, FAILS("EINVAL"))
	/* bound to the container's context and attached to the compat IOAS */
	GDEV(10, 4, "a", 7, ",\"ret\":5")
	"{\"seq\":11,\"kind\":\"ioctl\"," CONT ",\"ioctl\":\"IOMMU_IOAS_MAP\","
	"\"arg\":\"0x10000\",\"in\":{\"fields\":{\"size\":40,\"flags\":7,"
	"\"ioas_id\":1,\"user_va\":\"0x7f0000000000\",\"length\":\"0x4000\","
	"\"iova\":\"0x100000\"}},\"ret\":0}\n"
	"{\"seq\":12,\"kind\":\"dma\",\"device\":\"a\",\"iova\":\"0x100000\","
	"\"length\":4,\"write\":true,\"hex\":\"01020304\",\"status\":\"ok\"}\n"
	DEVIOC(13, 4, "VFIO_DEVICE_BIND_IOMMUFD",
	       "\"argsz\":16,\"flags\":0,\"iommufd\":3,\"out_devid\":0",
	       FAILS("EINVAL"))
	DEVIOC(14, 4, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
	       "\"argsz\":12,\"flags\":0,\"pt_id\":1", FAILS("ENOTTY"))
	/* a second file shares the open */
	GDEV(15, 5, "a", 7, ",\"ret\":6")
	/* the group holds the context */
	CLOSE(16, "vfio-container", 1)
	GDEV(17, 6, "b", 7, ",\"ret\":3")
	"{\"seq\":18,\"kind\":\"dma\",\"device\":\"b\",\"iova\":\"0x100000\","
	"\"length\":4,\"write\":false,\"hex\":\"01020304\",\"status\":\"ok\"}\n"
	G(19, "group_close", 7, "")
	GDEV(20, 7, "a", 7, FAILS("EINVAL"))
	/* a device opened through the group keeps its open */
	"{\"seq\":21,\"kind\":\"dma\",\"device\":\"a\",\"iova\":\"0x100000\","
	"\"length\":4,\"write\":false,\"hex\":\"01020304\",\"status\":\"ok\"}\n"
	CLOSE(22, "vfio-device", 4)
	"{\"seq\":23,\"kind\":\"dma\",\"device\":\"a\",\"iova\":\"0x100000\","
	"\"length\":4,\"write\":false,\"hex\":\"01020304\",\"status\":\"ok\"}\n"
	/* the last one closes it: the cdev may bind the device now */
	CLOSE(24, "vfio-device", 5)
	/* b's open holds the group's DMA for the old context */
	CLOSE(25, "vfio-device", 6)
	"{\"seq\":26,\"kind\":\"open\",\"fd\":{\"kind\":\"iommufd\","
	"\"handle\":8,\"num\":7}}\n"
	"{\"seq\":27,\"kind\":\"open\",\"fd\":{\"kind\":\"vfio-device\","
	"\"handle\":9,\"num\":8},\"device\":\"a\"}\n"
	DEVIOC(28, 9, "VFIO_DEVICE_BIND_IOMMUFD",
	       "\"argsz\":16,\"flags\":0,\"iommufd\":7,\"out_devid\":0", OK)
	/* a cdev and its group file exclude each other */
	G(29, "group_open", 7, FAILS("EBUSY"))
	"{\"seq\":30,\"kind\":\"open\",\"fd\":{\"kind\":\"vfio-device\","
	"\"handle\":10,\"num\":9},\"device\":\"c\"}\n"
	G(31, "group_open", 9, GOPEN_OK)
	DEVIOC(32, 10, "VFIO_DEVICE_BIND_IOMMUFD",
	       "\"argsz\":16,\"flags\":0,\"iommufd\":7,\"out_devid\":0",
	       FAILS("EBUSY"))
	G(33, "group_close", 9, "")
	DEVIOC(34, 10, "VFIO_DEVICE_BIND_IOMMUFD",
	       "\"argsz\":16,\"flags\":0,\"iommufd\":7,\"out_devid\":0", OK)
	CLOSE(35, "vfio-device", 9)
	G(36, "group_open", 7, GOPEN_OK)
	G(37, "group_close", 7, "");

Test(sim_devices, vfio_groups_replay_and_agree)
{
	struct sim_replay_result res;

	cr_assert_eq(replay_text(group_trace, &res), SIM_REPLAY_AGREE,
		     "%s; first divergence line %u %s: %s, got %s", res.error,
		     res.nkept ? res.divs[0].line : 0,
		     res.nkept ? res.divs[0].field : "-",
		     res.nkept ? res.divs[0].expected : "-",
		     res.nkept ? res.divs[0].got : "-");
	cr_expect_eq(res.records, 37);
	sim_replay_result_free(&res);
}

/* Each change makes the replay disagree at the line it is on */
Test(sim_devices, vfio_group_divergences_are_reported)
{
	static const char *const cases[][4] = {
		/* from, to, line, field */
		{ G(4, "group_open", 7, FAILS("EBUSY")),
		  G(4, "group_open", 7, GOPEN_OK), "5", "ret" },
		{ GDEV(6, 3, "c", 7, FAILS("ENODEV")),
		  GDEV(6, 3, "c", 7, FAILS("EINVAL")), "7", "errno" },
		{ SETC(9, 7, FAILS("EINVAL")), SETC(9, 7, OK), "10", "ret" },
		{ G(7, "group_unset_container", 7, FAILS("EINVAL")),
		  G(7, "group_unset_container", 7, OK), "8", "ret" },
		/* the group's last close let go of its container */
		{ GDEV(20, 7, "a", 7, FAILS("EINVAL")),
		  GDEV(20, 7, "a", 7, ",\"ret\":4"), "21", "ret" },
		/* a device of the group is bound through its cdev */
		{ G(29, "group_open", 7, FAILS("EBUSY")),
		  G(29, "group_open", 7, GOPEN_OK), "30", "ret" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = planted(group_trace, cases[i][0], cases[i][1]);
		struct sim_replay_result res;

		cr_assert_eq(replay_text(t, &res), SIM_REPLAY_DIVERGED,
			     "case %zu: %s", i, res.error);
		cr_expect_eq(res.divs[0].line, (unsigned int)atoi(cases[i][2]),
			     "case %zu: line %u", i, res.divs[0].line);
		cr_expect_str_eq(res.divs[0].field, cases[i][3], "case %zu",
				 i);
		sim_replay_result_free(&res);
		free(t);
	}
}

/* A device file the trace goes on using although its open failed here */
Test(sim_devices, vfio_group_open_that_fails_in_replay_keeps_its_handle)
{
	char *t1 = planted(group_trace, SETC(8, 7, OK), "");
	char *t = planted(t1, SETC(9, 7, FAILS("EINVAL")), "");
	struct sim_replay_result res;

	/*
	 * No container: GET_DEVICE_FD is EINVAL, and the requests on the
	 * file the trace opened are refused (EINVAL, not the driver's
	 * ENOTTY) rather than stopping the replay
	 */
	cr_assert_eq(replay_text(t, &res), SIM_REPLAY_DIVERGED, "%s",
		     res.error);
	cr_expect_eq(res.divs[0].line, 9);
	cr_expect_str_eq(res.divs[0].field, "ret");
	cr_expect_eq(res.records, 35);
	sim_replay_result_free(&res);
	free(t);
	free(t1);
}

Test(sim_devices, vfio_group_records_round_trip_and_record_results)
{
	char *out = NULL, *path = write_temp(group_trace), *again;
	size_t outlen = 0;
	FILE *of = open_memstream(&out, &outlen);
	struct sim_replay_opts opts = { .record = of };
	struct sim_replay_result res;

	cr_assert_eq(sim_replay_file(path, &opts, &res), SIM_REPLAY_AGREE,
		     "%s", res.error);
	sim_replay_result_free(&res);
	fclose(of);
	cr_expect(strstr(out, "{\"seq\":3,\"kind\":\"group_open\",\"group\":7,"
			      "\"ret\":3}"),
		  "%s", out);
	cr_expect(strstr(out, "{\"seq\":7,\"kind\":\"group_unset_container\","
			      "\"group\":7,\"ret\":-1,\"errno\":\"EINVAL\"}"),
		  "%s", out);
	cr_expect(strstr(out, "\"device\":\"a\",\"group\":7,\"ret\":"), "%s",
		  out);
	cr_expect(strstr(out, "{\"seq\":19,\"kind\":\"group_close\","
			      "\"group\":7,\"ret\":0}"),
		  "%s", out);
	again = strdup(out);
	cr_assert_eq(replay_text(again, &res), SIM_REPLAY_AGREE, "%s",
		     res.error);
	cr_expect_eq(res.records, 37);
	sim_replay_result_free(&res);
	unlink(path);
	free(path);
	free(again);
	free(out);
}

Test(sim_devices, vfio_group_errors_are_named_by_line_and_member)
{
#define GL(rec) HDR_M(GROUPS) rec
	static const char *const cases[][2] = {
		{ GL("{\"seq\":1,\"kind\":\"group_unset_container\"}\n"),
		  "group_unset_container needs 'group'" },
		{ GL("{\"seq\":1,\"kind\":\"group_open\"}\n"),
		  "group_open needs 'group'" },
		{ GL(G(1, "group_open", 0, "")),
		  "group must be a group file's number, not 0" },
		{ GL(G(1, "group_close", "x", "")),
		  "group: \"x\" is not an integer" },
		{ GL(G(1, "group_close", 4294967296, "")),
		  "group: 4294967296 is larger than 4294967295" },
		{ GL(G(1, "group_close", -1, "")),
		  "group must not be negative" },
		{ GL("{\"seq\":1,\"kind\":\"group_open\",\"group\":7,"
		     "\"fd\":{\"kind\":\"iommufd\",\"handle\":1}}\n"),
		  "unknown member 'fd' in the record" },
		{ GL("{\"seq\":1,\"kind\":\"open\",\"fd\":{\"kind\":"
		     "\"iommufd\",\"handle\":1},\"group\":7}\n"),
		  "group is only for a vfio-device file" },
		{ GL(GDEV(1, 1, "a", 0, "")),
		  "group must be a group file's number, not 0" },
		{ GL(GDEV(1, 1, "a", "a", "")), "group: \"a\" is not an integer" },
		{ GL(GDEV(1, 1, "z", 7, "")), "unknown device 'z'" },
	};
#undef GL

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_read_error(cases[i][0], 2, cases[i][1]);
}

/*
 * fuzz_jobs.c: --jobs changes nothing that is written.  The man page and
 * --help promise that the output is the same whatever the number of files
 * read at once, and scan.c that "the events of a file and the order they
 * are taken in are the same whatever the number of threads, and so is
 * everything written": standard output, standard error and the exit
 * status.  This target holds scan_run() to it.
 *
 * The input is split into log files as fuzz_pipeline.c splits it: a form
 * feed (0x0C) starts the next file, two in a row the next folder (at most
 * MAX_FILES files, the rest is not read; past MAX_FOLDERS folders the
 * files stay in the last).  The files are written for each input under a
 * private directory made once, as LOGS/fK/SEND20261102-N.LOG, N counting
 * the files of the input from 1, so that rollover order is the order in
 * the input; a folder is made when a file goes in it, so none is empty.
 * LOGS is scanned twice for each of two formats, with --jobs 1 and with
 * --jobs 3, and otherwise the same options: the built-in rules with
 * --require-tls '*' (loaded afresh for each scan, since the main thread's
 * rules keep history such as remote_last_starttls; the workers load their
 * own from the rules_config).  The first format is ndjson, lines, csv,
 * text or tlsrpt, picked by the input's size like --top and --detail; the
 * second is json, whose summary is merged from the files' pieces (and
 * which must be valid JSON).  Standard output is captured at file
 * descriptor 1 (dup2 onto a file in the private directory); the
 * diagnostics by pointing the stream stderr at memory, as
 * fuzz_quiet_stderr() does at /dev/null, so that libFuzzer and the
 * sanitizers keep descriptor 2 even when something goes wrong in the
 * middle of a scan.  Both must be byte for byte the same, and so must the
 * exit status.  With FUZZ_DIAG=1 the diagnostics of the --jobs 1 json scan
 * are shown.
 *
 * The directory is removed at exit (not after a crash).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "fuzz.h"
#include "jsoncheck.h"
#include "report.h"
#include "rules.h"
#include "scan.h"

#define MAX_FILES	8
#define MAX_FOLDERS	4
#define JOBS		3

static const char *const require_all[] = { "*" };

/* The first format of each input: the second is always json. */
static const enum report_format formats[] = {
	REPORT_NDJSON, REPORT_LINES, REPORT_CSV, REPORT_TEXT, REPORT_TLSRPT
};
static const char *const format_names[] = {
	"ndjson", "lines", "csv", "text", "tlsrpt"
};
#define NFORMATS	(sizeof formats / sizeof formats[0])

static char	 root[PATH_MAX];		/* made by mkdtemp */
static char	 logs[PATH_MAX];		/* root/logs: what is scanned */
static char	 capture[PATH_MAX];		/* root/stdout */
static int	 capture_fd = -1;
static char	 written[MAX_FILES][PATH_MAX];	/* this input's files */
static size_t	 nwritten;
static int	 made[MAX_FOLDERS];		/* this input's folders */
static int	 show_diag;

/* What one scan wrote. */
struct run {
	int	 status;
	char	*out, *err;
	size_t	 outlen, errlen;
};

static void
folder_path(char *buf, size_t size, size_t k)
{
	int n = snprintf(buf, size, "%s/f%zu", logs, k);

	FUZZ_CHECK(n > 0 && (size_t)n < size, "path too long");
}

/* Remove the last input's files, and its folders. */
static void
remove_files(void)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < nwritten; i++)
		FUZZ_CHECK(unlink(written[i]) == 0, "unlink %s: %s",
		    written[i], strerror(errno));
	nwritten = 0;
	for (i = 0; i < MAX_FOLDERS; i++)
		if (made[i]) {
			folder_path(path, sizeof path, i);
			FUZZ_CHECK(rmdir(path) == 0, "rmdir %s: %s", path,
			    strerror(errno));
			made[i] = 0;
		}
}

static void
cleanup(void)
{
	if (root[0] == '\0')
		return;
	remove_files();
	rmdir(logs);
	if (capture_fd != -1)
		close(capture_fd);
	unlink(capture);
	rmdir(root);
	root[0] = '\0';
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR"), *diag = getenv("FUZZ_DIAG");

	(void)argc;
	(void)argv;
	show_diag = diag != NULL && strcmp(diag, "1") == 0;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(root, sizeof root, "%s/fuzz_jobs.XXXXXX", tmp);
	if (mkdtemp(root) == NULL) {
		fprintf(stderr, "fuzz_jobs: mkdtemp %s: %s\n", root,
		    strerror(errno));
		exit(1);
	}
	atexit(cleanup);
	snprintf(logs, sizeof logs, "%s/logs", root);
	snprintf(capture, sizeof capture, "%s/stdout", root);
	FUZZ_CHECK(mkdir(logs, 0700) == 0, "mkdir %s: %s", logs,
	    strerror(errno));
	capture_fd = open(capture, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	FUZZ_CHECK(capture_fd != -1, "%s: %s", capture, strerror(errno));
	return 0;
}

static void
write_file(size_t folder, const uint8_t *data, size_t size)
{
	char dir[PATH_MAX];
	char *path = written[nwritten];
	ssize_t n;
	int fd, len;

	folder_path(dir, sizeof dir, folder);
	if (!made[folder]) {
		FUZZ_CHECK(mkdir(dir, 0700) == 0, "mkdir %s: %s", dir,
		    strerror(errno));
		made[folder] = 1;
	}
	len = snprintf(path, PATH_MAX, "%s/SEND20261102-%zu.LOG", dir,
	    nwritten + 1);
	FUZZ_CHECK(len > 0 && len < PATH_MAX, "path too long");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd != -1, "%s: %s", path, strerror(errno));
	nwritten++;
	while (size > 0) {
		n = write(fd, data, size);
		FUZZ_CHECK(n > 0, "writing %s: %s", path, strerror(errno));
		data += n;
		size -= (size_t)n;
	}
	FUZZ_CHECK(close(fd) == 0, "closing %s: %s", path, strerror(errno));
}

/* The input as files, as fuzz_pipeline.c reads it. */
static void
write_files(const uint8_t *data, size_t size)
{
	size_t start, i, nfolder = 0;

	remove_files();
	for (start = 0, i = 0; i <= size; i++) {
		if (i < size && data[i] != '\f')
			continue;
		if (i == start && i < size && start > 0) {
			/* "\f\f": the next folder. */
			if (nfolder + 1 < MAX_FOLDERS)
				nfolder++;
		} else {
			if (nwritten == MAX_FILES)
				break;	/* the rest is not read */
			write_file(nfolder, data + start, i - start);
		}
		start = i + 1;
	}
}

/* The capture file's contents, malloc'd and NUL-terminated. */
static char *
read_capture(size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *buf;

	FUZZ_CHECK(fstat(capture_fd, &st) == 0, "fstat: %s",
	    strerror(errno));
	*len = (size_t)st.st_size;
	if ((buf = malloc(*len + 1)) == NULL)
		abort();
	while (got < *len) {
		n = pread(capture_fd, buf + got, *len - got, (off_t)got);
		FUZZ_CHECK(n > 0, "reading %s: %s", capture,
		    n == 0 ? "short" : strerror(errno));
		got += (size_t)n;
	}
	buf[*len] = '\0';
	return buf;
}

/* scan_run() with these options and jobs, what it writes captured. */
static void
scan(struct scan_options *opt, const struct rules_config *cfg, int jobs,
    struct run *r)
{
	FILE *saved_err = stderr, *err;
	char why[1024];
	int saved_out;

	memset(r, 0, sizeof *r);
	opt->jobs = jobs;
	opt->rules = rules_new(cfg, why, sizeof why);
	FUZZ_CHECK(opt->rules != NULL, "the built-in rules: %s", why);

	FUZZ_CHECK(ftruncate(capture_fd, 0) == 0 &&
	    lseek(capture_fd, 0, SEEK_SET) == 0, "%s: %s", capture,
	    strerror(errno));
	FUZZ_CHECK((err = open_memstream(&r->err, &r->errlen)) != NULL,
	    "open_memstream: %s", strerror(errno));
	fflush(stdout);
	FUZZ_CHECK((saved_out = dup(1)) != -1, "dup: %s", strerror(errno));
	FUZZ_CHECK(dup2(capture_fd, 1) == 1, "dup2: %s", strerror(errno));
	clearerr(stdout);
	stderr = err;

	r->status = scan_run(opt);

	stderr = saved_err;
	FUZZ_CHECK(fflush(stdout) == 0 && !ferror(stdout), "writing the "
	    "report with --jobs %d: %s", jobs, strerror(errno));
	FUZZ_CHECK(dup2(saved_out, 1) == 1, "dup2: %s", strerror(errno));
	close(saved_out);
	FUZZ_CHECK(fclose(err) == 0, "closing a memory stream");
	r->out = read_capture(&r->outlen);

	rules_free(opt->rules);
	opt->rules = NULL;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Fail, saying where a (jobs 1) and b (jobs JOBS) first differ. */
static void
same(const char *format, const char *what, const char *a, size_t alen,
    const char *b, size_t blen)
{
	size_t i, line = 1, start = 0, from;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return;
	for (i = 0; i < alen && i < blen && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
	/* From a little before the difference, in its line. */
	from = i - start > 160 ? i - 160 : start;
	fuzz_fail(__FILE__, __LINE__, "same output", "--format %s: %s "
	    "differs (%zu bytes with --jobs 1, %zu with --jobs %d) from byte "
	    "%zu, line %zu, column %zu; from column %zu:\n--jobs 1: %.*s%s\n"
	    "--jobs %d: %.*s%s", format, what, alen, blen, JOBS, i, line,
	    i - start + 1, from - start + 1,
	    (int)(alen - from > 400 ? 400 : alen - from), a + from,
	    i == alen ? "(end)" : "", JOBS,
	    (int)(blen - from > 400 ? 400 : blen - from), b + from,
	    i == blen ? "(end)" : "");
}

static void
compare(struct scan_options *opt, const struct rules_config *cfg,
    const char *name)
{
	struct json_error jerr = { 0, NULL };
	struct run one, many;

	scan(opt, cfg, 1, &one);
	scan(opt, cfg, JOBS, &many);
	if (show_diag && opt->report.format == REPORT_JSON)
		(void)!write(2, one.err, one.errlen);
	same(name, "standard output", one.out, one.outlen, many.out,
	    many.outlen);
	same(name, "standard error", one.err, one.errlen, many.err,
	    many.errlen);
	FUZZ_CHECK(one.status == many.status, "--format %s: exit status %d "
	    "with --jobs 1, %d with --jobs %d", name, one.status, many.status,
	    JOBS);
	if (opt->report.format == REPORT_JSON)
		FUZZ_CHECK(json_valid(one.out, one.outlen, &jerr), "the json "
		    "document is not valid JSON: %s at byte %zu of %zu",
		    jerr.why, jerr.off, one.outlen);
	run_free(&one);
	run_free(&many);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const paths[] = { logs };
	struct rules_config cfg;
	struct scan_options opt;
	struct filter filter;
	size_t k;

	write_files(data, size);

	memset(&cfg, 0, sizeof cfg);
	cfg.require_tls = require_all;
	cfg.nrequire_tls = 1;
	memset(&filter, 0, sizeof filter);
	filter.min_severity = SEV_INFO;
	memset(&opt, 0, sizeof opt);
	opt.paths = paths;
	opt.npaths = 1;
	opt.rules_config = &cfg;
	opt.filter = &filter;
	opt.gap = 3600 * 1000LL;
	opt.progress = 0;
	/* Vary what the reports leave out with the input, as pipeline does. */
	opt.report.top = size % 3 == 0 ? -1 : size % 3 == 1 ? 1 : 10;
	opt.report.detail = (int)(size / 3 % 3);
	opt.report.color = 0;
	opt.report.org = "Contoso \"Ltd\"";
	opt.report.contact = "mailto:tlsrpt@contoso.com";

	k = size / 9 % NFORMATS;
	opt.report.format = formats[k];
	compare(&opt, &cfg, format_names[k]);
	opt.report.format = REPORT_JSON;
	compare(&opt, &cfg, "json");

	filter_free(&filter);
	return 0;
}

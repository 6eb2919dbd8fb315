/*
 * test_input.c: input.h on compressed input: gzip files (several members,
 * cut short, corrupt, not gzip at all), gzip on standard input, and zip
 * archives (entries as files, their folders and order, gzip entries,
 * entry names flagged UTF-8, an archive named twice, one that is no
 * archive), and files truncated or replaced while they are read.  The
 * files are made in a temporary directory with zlib and libarchive.
 */
#define _GNU_SOURCE	/* nftw(), uselocale() */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "diag.h"
#include "input.h"
#include "reader.h"

#define NELEM(a)	(sizeof (a) / sizeof *(a))

/* The temporary directory of the test running, removed by the teardown. */
static char dir[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_input.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name, in a static buffer of each of a few calls. */
static const char *
at(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

struct bytes {
	unsigned char	*p;
	size_t		 len;
};

static void
append(struct bytes *b, const void *p, size_t len)
{
	b->p = realloc(b->p, b->len + len + 1);
	assert_non_null(b->p);
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* A log-like text of n rows, different on each row. */
static struct bytes
text(unsigned n, unsigned seed)
{
	struct bytes b = { NULL, 0 };
	char line[160];
	unsigned i;
	int len;

	append(&b, "#Log-type: SMTP Send Protocol Log\r\n", 35);
	for (i = 0; i < n; i++) {
		len = snprintf(line, sizeof line, "2019-03-21T13:01:%02u.%03uZ,"
		    "Outbound,08D6A8D41600%04X,%u,10.0.0.5:%u,104.47.1.2:25,<,"
		    "250 %u,\r\n", i % 60, (i * 7 + seed) % 1000,
		    (i * 31 + seed) % 0x10000, i, 1024 + (i * seed) % 60000,
		    i * seed);
		append(&b, line, (size_t)len);
	}
	return b;
}

/* One gzip member holding p[0..len). */
static struct bytes
gzip_member(const void *p, size_t len)
{
	struct bytes b = { NULL, 0 };
	unsigned char out[16384];
	z_stream zs;
	int ret;

	memset(&zs, 0, sizeof zs);
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof out;
		ret = deflate(&zs, Z_FINISH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
		append(&b, out, sizeof out - zs.avail_out);
	} while (ret != Z_STREAM_END);
	deflateEnd(&zs);
	return b;
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* What reading fp all gives: the bytes, and errno if it failed, or 0. */
static struct bytes
read_all(FILE *fp, int *err)
{
	struct bytes b = { NULL, 0 };
	char buf[5000];		/* not a divisor of any chunk size */
	size_t n;

	append(&b, "", 0);
	*err = 0;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		append(&b, buf, n);
	if (ferror(fp))
		*err = errno;
	return b;
}

/* Open path as input_open() does for a file named on the command line. */
static struct bytes
read_path(const char *path, int *err)
{
	struct input_file f = { (char *)(uintptr_t)path, ".", NULL, NULL, 0 };
	struct bytes b;
	FILE *fp = input_open(&f);

	assert_non_null(fp);
	b = read_all(fp, err);
	input_close(&f, fp);
	return b;
}

static void
assert_bytes(struct bytes got, const void *want, size_t len)
{
	assert_int_equal(got.len, len);
	assert_memory_equal(got.p, want, len);
}

/* --- gzip ---------------------------------------------------------------- */

static void
test_gzip_read(void **state)
{
	struct bytes t = text(20000, 3), gz = gzip_member(t.p, t.len), got;
	int err;

	(void)state;
	assert_true(t.len > 3 * 64 * 1024);	/* several chunks */
	/* Any name: the magic decides. */
	write_file(at("SEND20190321-1.LOG"), gz.p, gz.len);
	got = read_path(at("SEND20190321-1.LOG"), &err);
	assert_int_equal(err, 0);
	assert_bytes(got, t.p, t.len);
	free(got.p);
	free(gz.p);
	free(t.p);
}

static void
test_gzip_members(void **state)
{
	struct bytes a = text(3000, 1), b = text(10, 2), all = { NULL, 0 };
	struct bytes gz = { NULL, 0 }, m, got;
	int err;

	(void)state;
	append(&all, a.p, a.len);
	append(&all, b.p, b.len);
	m = gzip_member(a.p, a.len);
	append(&gz, m.p, m.len);
	free(m.p);
	m = gzip_member("", 0);		/* an empty member in between */
	append(&gz, m.p, m.len);
	free(m.p);
	m = gzip_member(b.p, b.len);
	append(&gz, m.p, m.len);
	free(m.p);
	write_file(at("x.gz"), gz.p, gz.len);
	got = read_path(at("x.gz"), &err);
	assert_int_equal(err, 0);
	assert_bytes(got, all.p, all.len);
	free(got.p);

	/* Bytes after the last member that are no member are ignored. */
	append(&gz, "\0\0\0\0\0\0\0\0", 8);
	write_file(at("padded.gz"), gz.p, gz.len);
	got = read_path(at("padded.gz"), &err);
	assert_int_equal(err, 0);
	assert_bytes(got, all.p, all.len);
	free(got.p);

	free(gz.p);
	free(all.p);
	free(a.p);
	free(b.p);
}

static void
test_gzip_empty(void **state)
{
	struct bytes gz = gzip_member("", 0), got;
	int err;

	(void)state;
	write_file(at("empty.gz"), gz.p, gz.len);
	got = read_path(at("empty.gz"), &err);
	assert_int_equal(err, 0);
	assert_int_equal(got.len, 0);
	free(got.p);
	free(gz.p);
}

/* Cut short anywhere: a prefix of the text, then EIO. */
static void
test_gzip_truncated(void **state)
{
	struct bytes t = text(5000, 5), gz = gzip_member(t.p, t.len), got;
	size_t cut[] = { 2, 5, 11, 100, 0, 0, 0 };
	size_t i;
	int err;

	(void)state;
	cut[4] = gz.len / 2;
	cut[5] = gz.len - 8;	/* no trailer */
	cut[6] = gz.len - 1;
	for (i = 0; i < NELEM(cut); i++) {
		write_file(at("cut.gz"), gz.p, cut[i]);
		got = read_path(at("cut.gz"), &err);
		if (err != EIO)
			print_error("cut at %zu: errno %d\n", cut[i], err);
		assert_int_equal(err, EIO);
		assert_true(got.len <= t.len);
		assert_memory_equal(got.p, t.p, got.len);
		if (i >= 4)
			assert_true(got.len > 0);
		free(got.p);
	}
	free(gz.p);
	free(t.p);
}

static void
test_gzip_corrupt(void **state)
{
	struct bytes t = text(500, 7), gz = gzip_member(t.p, t.len), got;
	int err;

	(void)state;
	/* A wrong CRC: all the data, then the error. */
	gz.p[gz.len - 8] ^= 0xff;
	write_file(at("crc.gz"), gz.p, gz.len);
	got = read_path(at("crc.gz"), &err);
	assert_int_equal(err, EIO);
	assert_memory_equal(got.p, t.p, got.len);
	free(got.p);
	gz.p[gz.len - 8] ^= 0xff;

	/* A compression method that is not deflate: nothing. */
	gz.p[2] = 9;
	write_file(at("method.gz"), gz.p, gz.len);
	got = read_path(at("method.gz"), &err);
	assert_int_equal(err, EIO);
	assert_int_equal(got.len, 0);
	free(got.p);

	free(gz.p);
	free(t.p);
}

/* Files that only start like gzip are read as they are. */
static void
test_not_gzip(void **state)
{
	static const struct {
		const char	*p;
		size_t		 len;
	} cases[] = {
		{ "", 0 },
		{ "\x1f", 1 },
		{ "\x1f\x8a rest", 7 },
		{ "\x8b\x1f", 2 },
		{ "#Log-type: SMTP Send Protocol Log\r\n", 35 },
	};
	struct bytes got;
	size_t i;
	int err;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		write_file(at("plain.LOG"), cases[i].p, cases[i].len);
		got = read_path(at("plain.LOG"), &err);
		assert_int_equal(err, 0);
		assert_bytes(got, cases[i].p, cases[i].len);
		free(got.p);
	}
}

/* Standard input: a pipe, so the stream has to look at what it reads. */
static struct bytes
read_stdin_fed(const void *p, size_t len, int *err)
{
	char dash[] = "-";
	struct input_file f = { dash, "-", NULL, NULL, 0 };
	struct bytes b;
	int fds[2], saved, status;
	pid_t pid;
	FILE *fp;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		_exit(write(fds[1], p, len) == (ssize_t)len ? 0 : 1);
	}
	assert_true(pid > 0);
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	fp = input_open(&f);
	assert_non_null(fp);
	b = read_all(fp, err);
	input_close(&f, fp);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	return b;
}

static void
test_stdin(void **state)
{
	struct bytes t = text(3000, 9), gz = gzip_member(t.p, t.len), got;
	int err;

	(void)state;
	got = read_stdin_fed(gz.p, gz.len, &err);
	assert_int_equal(err, 0);
	assert_bytes(got, t.p, t.len);
	free(got.p);
	got = read_stdin_fed(t.p, t.len, &err);
	assert_int_equal(err, 0);
	assert_bytes(got, t.p, t.len);
	free(got.p);
	got = read_stdin_fed(gz.p, gz.len / 2, &err);
	assert_int_equal(err, EIO);
	assert_memory_equal(got.p, t.p, got.len);
	free(got.p);
	free(gz.p);
	free(t.p);
}

/* --- zip ----------------------------------------------------------------- */

struct zentry {
	const char	*name;		/* ends with / for a folder */
	const char	*data;		/* NULL for a symbolic link */
	size_t		 len;
};

/*
 * A zip archive at path, written in the C.UTF-8 locale with UTF-8 names;
 * encrypted with ZipCrypto when passphrase is not NULL.
 */
static void
write_zip_with(const char *path, const struct zentry *e, size_t n,
    const char *passphrase)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old = uselocale(loc);
	struct archive_entry *ae;
	struct archive *a = archive_write_new();
	size_t i, len;

	assert_true(loc != (locale_t)0);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_options(a, "zip:hdrcharset=UTF-8"),
	    ARCHIVE_OK);
	if (passphrase != NULL) {
		assert_int_equal(archive_write_set_options(a,
		    "zip:encryption=zipcrypt"), ARCHIVE_OK);
		assert_int_equal(archive_write_set_passphrase(a, passphrase),
		    ARCHIVE_OK);
	}
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		ae = archive_entry_new();
		len = strlen(e[i].name);
		archive_entry_set_pathname(ae, e[i].name);
		if (e[i].name[len - 1] == '/') {
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
		} else if (e[i].data == NULL) {
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, "elsewhere");
			archive_entry_set_perm(ae, 0777);
		} else {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_size(ae, (la_int64_t)e[i].len);
		}
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].data != NULL && e[i].len > 0)
			assert_int_equal(archive_write_data(a, e[i].data,
			    e[i].len), (la_ssize_t)e[i].len);
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	uselocale(old);
	freelocale(loc);
}

static void
write_zip(const char *path, const struct zentry *e, size_t n)
{
	write_zip_with(path, e, n, NULL);
}

static void
test_zip(void **state)
{
	struct bytes t9 = text(400, 9), t10 = text(300, 10), t1 = text(20, 1);
	struct bytes gz9 = gzip_member(t9.p, t9.len), got;
	const char *paths[1];
	const struct zentry entries[] = {
		/* in no order: the scan sorts them as a walk would */
		{ "top.LOG", "top\n", 4 },
		{ "srv2/", NULL, 0 },
		{ "srv2/SEND20190321-10.LOG", (char *)t10.p, t10.len },
		{ "srv2/link", NULL, 0 },
		{ "srv2/SEND20190321-9.LOG.gz", (char *)gz9.p, gz9.len },
		{ "srv1.txt", "notes\n", 6 },
		{ "caf\xc3\xa9/SEND20190321-1.LOG", "caf\n", 4 },
		{ "srv1/sub/SEND20190321-1.LOG", (char *)t1.p, t1.len },
	};
	static const struct {
		const char	*entry, *folder;
		size_t		 index;
	} want[] = {
		{ "caf\xc3\xa9/SEND20190321-1.LOG", "caf\xc3\xa9", 6 },
		{ "srv1/sub/SEND20190321-1.LOG", "srv1/sub", 7 },
		{ "srv1.txt", "", 5 },
		{ "top.LOG", "", 0 },
		{ "srv2/SEND20190321-9.LOG.gz", "srv2", 4 },
		{ "srv2/SEND20190321-10.LOG", "srv2", 2 },
	};
	struct input_list l;
	char buf[512];
	size_t i;
	FILE *fp;
	int err;

	(void)state;
	write_zip(at("Audit.ZIP"), entries, NELEM(entries));
	paths[0] = at("Audit.ZIP");
	input_collect(paths, 1, &l);
	assert_int_equal(l.errors, 0);
	assert_int_equal(l.skipped, 1);		/* the symbolic link */
	assert_int_equal(l.narchives, 1);
	assert_string_equal(l.archives[0], paths[0]);
	assert_int_equal(l.nfiles, NELEM(want));
	assert_int_equal(l.nfolders, 4);
	for (i = 0; i < l.nfiles; i++) {
		snprintf(buf, sizeof buf, "%s:%s", paths[0], want[i].entry);
		assert_string_equal(l.files[i].path, buf);
		assert_ptr_equal(l.files[i].archive, l.archives[0]);
		assert_string_equal(l.files[i].entry, want[i].entry);
		assert_int_equal(l.files[i].entry_index, want[i].index);
		snprintf(buf, sizeof buf, "%s:%s", paths[0], want[i].folder);
		assert_string_equal(l.files[i].folder, buf);
	}
	/* One folder, one pointer: "" of srv1.txt and top.LOG. */
	assert_ptr_equal(l.files[2].folder, l.files[3].folder);
	assert_ptr_equal(l.files[4].folder, l.files[5].folder);
	assert_ptr_not_equal(l.files[1].folder, l.files[2].folder);

	/* The entries read decompressed, each as often as wanted. */
	for (i = 0; i < 2; i++) {
		fp = input_open(&l.files[4]);
		assert_non_null(fp);
		got = read_all(fp, &err);
		input_close(&l.files[4], fp);
		assert_int_equal(err, 0);
		assert_bytes(got, t9.p, t9.len);
		free(got.p);
	}
	fp = input_open(&l.files[5]);
	assert_non_null(fp);
	got = read_all(fp, &err);
	input_close(&l.files[5], fp);
	assert_int_equal(err, 0);
	assert_bytes(got, t10.p, t10.len);
	free(got.p);
	fp = input_open(&l.files[0]);
	assert_non_null(fp);
	got = read_all(fp, &err);
	input_close(&l.files[0], fp);
	assert_bytes(got, "caf\n", 4);
	free(got.p);

	/* An entry the archive no longer holds. */
	l.files[5].entry_index = 99;
	errno = 0;
	assert_null(input_open(&l.files[5]));
	assert_int_equal(errno, ENOENT);
	l.files[5].entry_index = 2;
	l.files[5].entry = "srv2/other";	/* points elsewhere now */
	errno = 0;
	assert_null(input_open(&l.files[5]));
	assert_int_equal(errno, ENOENT);

	input_free(&l);
	free(gz9.p);
	free(t9.p);
	free(t10.p);
	free(t1.p);
}

/*
 * In a walk, an archive's folders are folders first met where the archive
 * is met; an archive named again is read once.
 */
static void
test_zip_in_walk(void **state)
{
	const struct zentry entries[] = {
		{ "b/SEND20190321-1.LOG", "b\n", 2 },
		{ "SEND20190321-1.LOG", "top\n", 4 },
	};
	const char *paths[3];
	struct input_list l;
	char want[256];

	(void)state;
	assert_int_equal(mkdir(at("logs"), 0755), 0);
	write_file(at("logs/SEND20190321-2.LOG"), "x\n", 2);
	write_file(at("logs/zz.LOG"), "x\n", 2);
	write_zip(at("logs/m.zip"), entries, NELEM(entries));
	/* named again, under another name: read once */
	paths[0] = at("logs");
	paths[1] = at("logs/m.zip");
	paths[2] = at("logs/../logs/m.zip");
	input_collect(paths, 3, &l);
	assert_int_equal(l.errors, 0);
	assert_int_equal(l.narchives, 1);
	assert_int_equal(l.nfiles, 4);
	/* logs/, met first, then the archive's two folders */
	assert_string_equal(l.files[0].path, at("logs/SEND20190321-2.LOG"));
	assert_null(l.files[0].archive);
	assert_null(l.files[0].entry);
	assert_string_equal(l.files[1].path, at("logs/zz.LOG"));
	assert_ptr_equal(l.files[0].folder, l.files[1].folder);
	snprintf(want, sizeof want, "%s:SEND20190321-1.LOG", at("logs/m.zip"));
	assert_string_equal(l.files[2].path, want);
	snprintf(want, sizeof want, "%s:b/SEND20190321-1.LOG",
	    at("logs/m.zip"));
	assert_string_equal(l.files[3].path, want);
	assert_ptr_not_equal(l.files[2].folder, l.files[3].folder);
	input_free(&l);
}

/* Archives that cannot be read, an entry that cannot be: errors. */
static void
test_zip_unreadable(void **state)
{
	const struct zentry entries[] = {
		{ "SEND20190321-1.LOG", "secret\n", 7 },
	};
	const char *paths[4];
	struct input_list l;

	(void)state;
	write_file(at("notes.zip"), "#Log-type: x\r\n", 14);
	write_file(at("empty.zip"), "", 0);
	write_zip_with(at("locked.zip"), entries, NELEM(entries), "pass");
	write_file(at("SEND20190321-1.LOG"), "x\n", 2);
	paths[0] = at("notes.zip");
	paths[1] = at("empty.zip");
	paths[2] = at("locked.zip");
	paths[3] = at("SEND20190321-1.LOG");
	input_collect(paths, 4, &l);
	assert_int_equal(l.errors, 3);
	assert_int_equal(l.nfiles, 1);
	assert_string_equal(l.files[0].path, paths[3]);
	input_free(&l);
}

/* Read zip entry f whole; its bytes must be want's. */
static void
read_entry_as(const struct input_file *f, const struct bytes *want)
{
	struct bytes got;
	FILE *fp;
	int err;

	fp = input_open(f);
	assert_non_null(fp);
	got = read_all(fp, &err);
	input_close(f, fp);
	assert_int_equal(err, 0);
	assert_bytes(got, want->p, want->len);
	free(got.p);
}

#define ZIP_MANY	40

/*
 * Entries read in the archive's order read on from the entry before, so
 * each header is read about once (opened anew each time, the 40 entries
 * would read 820); out of order, or once the archive has changed, they
 * are read from its start again, and read right.
 */
static void
test_zip_read_on(void **state)
{
	struct zentry entries[ZIP_MANY];
	struct bytes t[ZIP_MANY];
	char names[ZIP_MANY][32];
	const char *paths[1];
	struct input_list l;
	unsigned long before;
	size_t i;

	(void)state;
	for (i = 0; i < ZIP_MANY; i++) {
		snprintf(names[i], sizeof names[i], "SEND2019032113-%zu.LOG",
		    i + 1);
		t[i] = text(50 + (unsigned)i, (unsigned)i + 1);
		entries[i].name = names[i];
		entries[i].data = (const char *)t[i].p;
		entries[i].len = t[i].len;
	}
	write_zip(at("many.zip"), entries, ZIP_MANY);
	paths[0] = at("many.zip");
	input_collect(paths, 1, &l);
	assert_int_equal(l.nfiles, ZIP_MANY);
	for (i = 0; i < ZIP_MANY; i++)		/* rollover order */
		assert_int_equal(l.files[i].entry_index, i);

	before = input_zip_headers_read();
	for (i = 0; i < ZIP_MANY; i++)
		read_entry_as(&l.files[i], &t[i]);
	assert_int_equal(input_zip_headers_read() - before, ZIP_MANY);

	/* Every other one, as a worker of --jobs takes them. */
	input_thread_done();
	before = input_zip_headers_read();
	for (i = 1; i < ZIP_MANY; i += 2)
		read_entry_as(&l.files[i], &t[i]);
	assert_int_equal(input_zip_headers_read() - before, ZIP_MANY);

	/* Backwards: each from the start, and right. */
	for (i = ZIP_MANY; i-- > 0;)
		read_entry_as(&l.files[i], &t[i]);

	/* The archive rewritten under the kept one: read from its start. */
	read_entry_as(&l.files[0], &t[0]);
	entries[1].data = (const char *)t[2].p;
	entries[1].len = t[2].len;
	write_zip(at("many.zip"), entries, ZIP_MANY);
	read_entry_as(&l.files[1], &t[2]);
	read_entry_as(&l.files[2], &t[2]);

	input_thread_done();
	input_free(&l);
	for (i = 0; i < ZIP_MANY; i++)
		free(t[i].p);
}

/*
 * The size a progress line can count on: a plain file's; none for gzip
 * data (what it gives is larger), a zip entry, standard input, a FIFO or
 * a file that is not there.
 */
static void
test_plain_size(void **state)
{
	struct bytes t = text(300, 3), gz = gzip_member(t.p, t.len);
	const struct zentry entries[] = {
		{ "SEND20190321-1.LOG", (char *)t.p, t.len },
	};
	struct input_file f = { NULL, ".", NULL, NULL, 0 };
	const char *paths[1];
	struct input_list l;

	(void)state;
	write_file(at("plain.LOG"), t.p, t.len);
	write_file(at("packed.LOG.gz"), gz.p, gz.len);
	write_file(at("packed.LOG"), gz.p, gz.len);	/* gzip by its bytes */
	write_file(at("empty.LOG"), "", 0);
	write_zip(at("one.zip"), entries, NELEM(entries));
	assert_int_equal(mkfifo(at("fifo.LOG"), 0600), 0);

	f.path = (char *)(uintptr_t)at("plain.LOG");
	assert_int_equal(input_plain_size(&f), (long long)t.len);
	f.path = (char *)(uintptr_t)at("empty.LOG");
	assert_int_equal(input_plain_size(&f), 0);
	f.path = (char *)(uintptr_t)at("packed.LOG.gz");
	assert_int_equal(input_plain_size(&f), -1);
	f.path = (char *)(uintptr_t)at("packed.LOG");
	assert_int_equal(input_plain_size(&f), -1);
	f.path = (char *)(uintptr_t)at("fifo.LOG");
	assert_int_equal(input_plain_size(&f), -1);
	f.path = (char *)(uintptr_t)at("missing.LOG");
	assert_int_equal(input_plain_size(&f), -1);
	f.path = (char *)(uintptr_t)"-";
	f.folder = "-";
	assert_int_equal(input_plain_size(&f), -1);

	paths[0] = at("one.zip");
	input_collect(paths, 1, &l);
	assert_int_equal(l.nfiles, 1);
	assert_int_equal(input_plain_size(&l.files[0]), -1);
	input_free(&l);
	free(gz.p);
	free(t.p);
}

/* --- files that change while they are read ------------------------------ */

/*
 * Read the log at path through input_open() and the reader: n rows, then
 * change(), then the rest.  Returns the rows read and what was written to
 * standard error meanwhile, in err (NUL-terminated).
 */
static unsigned long
read_changing(const char *path, unsigned long n, void (*change)(void),
    char *err, size_t errsz)
{
	struct input_file f = { (char *)(uintptr_t)path, ".", NULL, NULL, 0 };
	struct reader *r;
	struct row row;
	unsigned long rows = 0;
	FILE *fp, *cap = tmpfile();
	int saved = dup(STDERR_FILENO), rc;
	size_t len;

	assert_non_null(cap);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fileno(cap), STDERR_FILENO), STDERR_FILENO);
	fp = input_open(&f);
	assert_non_null(fp);
	r = reader_new(fp, path);
	assert_int_equal(reader_header(r), LOG_SEND);
	while (rows < n && (rc = reader_next(r, &row)) == 1)
		rows++;
	if (change != NULL)
		change();
	while ((rc = reader_next(r, &row)) == 1)
		rows++;
	assert_int_equal(rc, 0);
	reader_free(r);
	input_close(&f, fp);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	rewind(cap);
	len = fread(err, 1, errsz - 1, cap);
	err[len] = '\0';
	fclose(cap);
	return rows;
}

/* Several of the reader's reads, the cut well past the first. */
#define CHANGING_ROWS	(6000 * (READER_READ_SIZE / (64 * 1024)))
#define CUT_AT		(200000 * (READER_READ_SIZE / (64 * 1024)))

static void
cut(void)
{
	assert_int_equal(truncate(at("SEND20190321-1.LOG"), CUT_AT), 0);
}

static void
replace(void)
{
	assert_int_equal(rename(at("new.LOG"), at("SEND20190321-1.LOG")), 0);
}

/*
 * Truncated part of the way: the rows before the cut are read, the row
 * the cut goes through is a bad row, and a warning says the file shrank
 * below what was read.  Read to its end untouched, nothing is said.
 */
static void
test_truncated_while_read(void **state)
{
	struct bytes t = text(CHANGING_ROWS, 11);
	char err[4096], want[256];
	unsigned long rows, before;
	const unsigned char *p;

	(void)state;
	/* Several of the reader's reads, and the cut beyond the first. */
	assert_true(t.len > 4 * READER_READ_SIZE &&
	    CUT_AT > 2 * READER_READ_SIZE);
	write_file(at("SEND20190321-1.LOG"), t.p, t.len);
	rows = read_changing(at("SEND20190321-1.LOG"), 100, NULL, err,
	    sizeof err);
	assert_int_equal(rows, CHANGING_ROWS);
	assert_string_equal(err, "");

	/* The rows wholly before the cut. */
	before = 0;
	for (p = t.p; (p = memchr(p, '\n', (size_t)(t.p + CUT_AT - p))) !=
	    NULL; p++)
		before++;
	before--;		/* the header line */
	assert_true(t.p[CUT_AT - 1] != '\n');	/* the cut is inside a row */
	rows = read_changing(at("SEND20190321-1.LOG"), 100, cut, err,
	    sizeof err);
	assert_int_equal(rows, before);
	snprintf(want, sizeof want, "sendlog-scan: %s:%lu: warning: last row "
	    "cut short", at("SEND20190321-1.LOG"), before + 2);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof want, "sendlog-scan: %s: warning: file was "
	    "truncated while being read (from %zu to %d bytes): rows past "
	    "what was read may be missing\n", at("SEND20190321-1.LOG"),
	    t.len, CUT_AT);
	assert_non_null(strstr(err, want));
	free(t.p);
}

/*
 * Replaced by a rename part of the way: the file as it was opened is read
 * to its end, and a warning says it was replaced.
 */
static void
test_replaced_while_read(void **state)
{
	struct bytes t = text(CHANGING_ROWS, 12), u = text(10, 13);
	char err[4096], want[256];
	unsigned long rows;

	(void)state;
	write_file(at("SEND20190321-1.LOG"), t.p, t.len);
	write_file(at("new.LOG"), u.p, u.len);
	rows = read_changing(at("SEND20190321-1.LOG"), 100, replace, err,
	    sizeof err);
	assert_int_equal(rows, CHANGING_ROWS);
	snprintf(want, sizeof want, "sendlog-scan: %s: warning: file was "
	    "replaced while being read: read to its end as it was when "
	    "opened\n", at("SEND20190321-1.LOG"));
	assert_string_equal(err, want);
	free(t.p);
	free(u.p);
}

int
main(void)
{
#define T_(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_gzip_read),
		T_(test_gzip_members),
		T_(test_gzip_empty),
		T_(test_gzip_truncated),
		T_(test_gzip_corrupt),
		T_(test_not_gzip),
		T_(test_stdin),
		T_(test_zip),
		T_(test_zip_in_walk),
		T_(test_zip_unreadable),
		T_(test_zip_read_on),
		T_(test_plain_size),
		T_(test_truncated_while_read),
		T_(test_replaced_while_read),
	};

	return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}

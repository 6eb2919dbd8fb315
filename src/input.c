/*
 * input.c: walk the paths given and put the log files in reading order;
 * open them, decompressing gzip data and reading zip entries on the way.
 */
#define _GNU_SOURCE	/* fopencookie() */

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "diag.h"
#include "input.h"
#include "xmalloc.h"

struct entry {
	char		*path;
	const char	*base;		/* the name compared, in path */
	size_t		 folder;	/* index into the folders */
	size_t		 order;		/* when it was met */
	dev_t		 dev;
	ino_t		 ino;
	size_t		 archive;	/* 1 + index into the archives, or 0 */
	size_t		 entry_index;	/* in the archive */
	int		 is_stdin;
};

struct archive_file {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
};

struct collector {
	struct entry	*entries;
	size_t		 n, cap;
	char		**folders;
	size_t		 nfolders;
	struct archive_file *archives;
	size_t		 narchives;
	unsigned long	 skipped, errors;
};

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* The folder named dir (which it takes), as an index into the folders. */
static size_t
folder_index_of(struct collector *c, char *dir)
{
	size_t i;

	/* Files of a walk come a folder at a time: look at the last first. */
	for (i = c->nfolders; i-- > 0;)
		if (strcmp(c->folders[i], dir) == 0) {
			free(dir);
			return i;
		}
	c->folders = xreallocarray(c->folders, c->nfolders + 1,
	    sizeof *c->folders);
	c->folders[c->nfolders] = dir;
	return c->nfolders++;
}

static size_t
folder_index(struct collector *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL)
		return folder_index_of(c, xstrdup("."));
	len = (size_t)(slash - path);
	return folder_index_of(c, xstrndup(path, len == 0 ? 1 : len));
}

static struct entry *
new_entry(struct collector *c)
{
	struct entry *e;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->entries = xreallocarray(c->entries, c->cap,
		    sizeof *c->entries);
	}
	e = &c->entries[c->n];
	memset(e, 0, sizeof *e);
	e->order = c->n++;
	return e;
}

static void
add(struct collector *c, const char *path, const struct stat *st)
{
	struct entry *e = new_entry(c);

	e->path = xstrdup(path);
	e->base = base_name(e->path);
	if (st == NULL) {
		e->is_stdin = 1;
		e->folder = folder_index(c, "-/-");	/* folder "-" */
	} else {
		e->dev = st->st_dev;
		e->ino = st->st_ino;
		e->folder = folder_index(c, path);
	}
}

/* --- zip archives -------------------------------------------------------- */

/*
 * libarchive is loaded when the first zip archive is met, not when the
 * program starts: with what it needs (libxml2, ICU, libstdc++ and six
 * compression libraries) it made start-up 7 ms longer, as long as
 * reading 10 MB of logs takes, and most runs read no archive.  Its calls
 * go through arc.  The name to load: SENDLOG_SCAN_LIBARCHIVE, else the
 * soname of libarchive 3 (libarchive13 on Debian), else the one of its
 * -dev package.
 */
struct libarchive {
	struct archive	*(*read_new)(void);
	int		 (*read_support_format_zip)(struct archive *);
	int		 (*read_open_filename)(struct archive *, const char *,
			    size_t);
	int		 (*read_next_header)(struct archive *,
			    struct archive_entry **);
	la_ssize_t	 (*read_data)(struct archive *, void *, size_t);
	int		 (*read_free)(struct archive *);
	const char	*(*error_string)(struct archive *);
	int		 (*errno_)(struct archive *);
	const char	*(*entry_pathname)(struct archive_entry *);
	mode_t		 (*entry_filetype)(struct archive_entry *);
	int		 (*entry_is_encrypted)(struct archive_entry *);
};

static struct libarchive arc;

static pthread_once_t arc_once = PTHREAD_ONCE_INIT;
static char arc_error[512];	/* why it could not be loaded, or "" */

static void
arc_load(void)
{
	static const char *const names[] = {
		"libarchive.so.13", "libarchive.so"
	};
	static const struct {
		const char	*name;
		size_t		 off;
	} syms[] = {
#define SYM(member, name)	{ name, offsetof(struct libarchive, member) }
		SYM(read_new, "archive_read_new"),
		SYM(read_support_format_zip, "archive_read_support_format_zip"),
		SYM(read_open_filename, "archive_read_open_filename"),
		SYM(read_next_header, "archive_read_next_header"),
		SYM(read_data, "archive_read_data"),
		SYM(read_free, "archive_read_free"),
		SYM(error_string, "archive_error_string"),
		SYM(errno_, "archive_errno"),
		SYM(entry_pathname, "archive_entry_pathname"),
		SYM(entry_filetype, "archive_entry_filetype"),
		SYM(entry_is_encrypted, "archive_entry_is_encrypted"),
#undef SYM
	};
	const char *env = getenv("SENDLOG_SCAN_LIBARCHIVE"), *err = NULL;
	void *h = NULL, *f;
	size_t i;

	if (env != NULL && *env != '\0')
		h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
	else
		for (i = 0; h == NULL && i < sizeof names / sizeof *names;
		    i++)
			h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		err = dlerror();
	for (i = 0; h != NULL && i < sizeof syms / sizeof *syms; i++) {
		if ((f = dlsym(h, syms[i].name)) == NULL) {
			err = dlerror();
			break;
		}
		/* A function pointer from dlsym()'s void *, as POSIX has. */
		memcpy((char *)&arc + syms[i].off, &f, sizeof f);
	}
	if (err != NULL)
		snprintf(arc_error, sizeof arc_error, "libarchive could not be "
		    "loaded: %s", err);
}

/* 1 when libarchive is loaded; else 0, and arc_error says why. */
static int
arc_ready(void)
{
	pthread_once(&arc_once, arc_load);
	return arc_error[0] == '\0';
}

/*
 * libarchive converts entry names flagged as UTF-8 to the charset of the
 * locale, and in the C locale, which the scan runs in, it cannot: the name
 * comes out NULL.  Around the calls that read headers, this thread is
 * switched to C.UTF-8, so that such names come out as stored.  Names not
 * so flagged are not converted in any locale: their bytes come out as
 * stored.
 */
static locale_t
utf8_names_begin(locale_t *old)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);

	if (loc != (locale_t)0)
		*old = uselocale(loc);
	return loc;
}

static void
utf8_names_end(locale_t loc, locale_t old)
{
	if (loc != (locale_t)0) {
		uselocale(old);
		freelocale(loc);
	}
}

static const char *
archive_message(struct archive *a)
{
	const char *msg = arc.error_string(a);

	if (msg != NULL)
		return msg;
	if (arc.errno_(a) > 0)
		return strerror(arc.errno_(a));
	return "unknown error";
}

/*
 * An errno for what went wrong in a: libarchive's own codes (-1, and
 * EILSEQ for a bad format) read as EIO.
 */
static int
archive_errno_of(struct archive *a)
{
	int err = arc.errno_(a);

	return err > 0 && err != EILSEQ ? err : EIO;
}

/*
 * Open the zip archive at path into *a.  Returns *a, or NULL on failure:
 * then *a holds the message, or is NULL with errno set.
 */
static struct archive *
zip_open(const char *path, struct archive **a)
{
	*a = NULL;
	if (!arc_ready()) {
		errno = ENOSYS;
		return NULL;
	}
	if ((*a = arc.read_new()) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (arc.read_support_format_zip(*a) != ARCHIVE_OK ||
	    arc.read_open_filename(*a, path, 64 * 1024) != ARCHIVE_OK)
		return NULL;
	return *a;
}

struct member {
	char		*name;
	size_t		 index;		/* in the archive */
};

/*
 * Entry names in the order a walk of the unpacked archive would meet
 * them: name by name along the path, so that "a/x" comes before "a.txt"
 * (the folder "a" before the file "a.txt").
 */
static int
member_cmp(const void *pa, const void *pb)
{
	const struct member *x = pa, *y = pb;
	const unsigned char *a = (const unsigned char *)x->name;
	const unsigned char *b = (const unsigned char *)y->name;
	int ka, kb;

	for (;; a++, b++) {
		ka = *a == '\0' ? 0 : *a == '/' ? 1 : *a + 2;
		kb = *b == '\0' ? 0 : *b == '/' ? 1 : *b + 2;
		if (ka != kb)
			return ka < kb ? -1 : 1;
		if (ka == 0)
			break;
	}
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Entry name of archive as a file "ARCHIVE:NAME" in folder "ARCHIVE:DIR". */
static void
add_member(struct collector *c, size_t archive, const char *name,
    size_t index)
{
	const char *apath = c->archives[archive].path;
	const char *slash = strrchr(name, '/');
	size_t alen = strlen(apath), nlen = strlen(name);
	size_t dlen = slash != NULL ? (size_t)(slash - name) : 0;
	struct entry *e = new_entry(c);

	e->path = xmalloc(alen + 1 + nlen + 1);
	memcpy(e->path, apath, alen);
	e->path[alen] = ':';
	memcpy(e->path + alen + 1, name, nlen + 1);
	e->base = e->path + alen + 1 + (slash != NULL ? dlen + 1 : 0);
	e->dev = c->archives[archive].dev;
	e->ino = c->archives[archive].ino;
	e->archive = archive + 1;
	e->entry_index = index;
	e->folder = folder_index_of(c, xstrndup(e->path, alen + 1 + dlen));
}

/* A diagnostic on the entry name of the archive at path. */
static void
diag_member(enum diag_level level, const char *path, const char *name,
    const char *what)
{
	size_t plen = strlen(path), nlen = strlen(name);
	char *file = xmalloc(plen + 1 + nlen + 1);

	memcpy(file, path, plen);
	file[plen] = ':';
	memcpy(file + plen + 1, name, nlen + 1);
	diag(level, file, 0, "%s", what);
	free(file);
}

/* List the zip archive at path and add its regular entries. */
static void
add_zip(struct collector *c, const char *path, const struct stat *st)
{
	struct archive_entry *ae;
	struct archive *a;
	struct member *m = NULL;
	const char *name;
	size_t n = 0, cap = 0, i, archive;
	locale_t loc, old = (locale_t)0;
	int r;

	/* Read each archive once, as each file. */
	for (i = 0; i < c->narchives; i++)
		if (c->archives[i].dev == st->st_dev &&
		    c->archives[i].ino == st->st_ino) {
			if (strcmp(c->archives[i].path, path) == 0)
				diag(DIAG_WARNING, path, 0,
				    "named twice, read once");
			else
				diag(DIAG_WARNING, path, 0,
				    "same file as %s, read once",
				    c->archives[i].path);
			return;
		}
	c->archives = xreallocarray(c->archives, c->narchives + 1,
	    sizeof *c->archives);
	archive = c->narchives++;
	c->archives[archive].path = xstrdup(path);
	c->archives[archive].dev = st->st_dev;
	c->archives[archive].ino = st->st_ino;

	loc = utf8_names_begin(&old);
	if (zip_open(path, &a) == NULL) {
		diag(DIAG_ERROR, path, 0, "cannot read zip archive: %s",
		    a != NULL ? archive_message(a) : !arc_ready() ?
		    arc_error : strerror(errno));
		c->errors++;
		goto done;
	}
	for (i = 0; (r = arc.read_next_header(a, &ae)) != ARCHIVE_EOF;
	    i++) {
		if (r < ARCHIVE_WARN) {
			/* The entries listed before are still read. */
			diag(DIAG_ERROR, path, 0,
			    "cannot read zip archive: %s", archive_message(a));
			c->errors++;
			break;
		}
		name = arc.entry_pathname(ae);
		if (arc.entry_filetype(ae) == AE_IFDIR)
			continue;
		if (name == NULL || *name == '\0') {
			diag(DIAG_WARNING, path, 0, "entry %zu: %s, skipped",
			    i + 1, name == NULL ? archive_message(a) :
			    "empty name");
			c->skipped++;
			continue;
		}
		if (name[strlen(name) - 1] == '/')
			continue;
		if (arc.entry_filetype(ae) != AE_IFREG) {
			diag_member(DIAG_WARNING, path, name,
			    "not a regular file, skipped");
			c->skipped++;
			continue;
		}
		if (arc.entry_is_encrypted(ae)) {
			diag_member(DIAG_ERROR, path, name,
			    "encrypted, cannot be read");
			c->errors++;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			m = xreallocarray(m, cap, sizeof *m);
		}
		m[n].name = xstrdup(name);
		m[n++].index = i;
	}
done:
	if (a != NULL)
		arc.read_free(a);
	utf8_names_end(loc, old);
	if (n > 0)
		qsort(m, n, sizeof *m, member_cmp);
	for (i = 0; i < n; i++) {
		add_member(c, archive, m[i].name, m[i].index);
		free(m[i].name);
	}
	free(m);
}

static int
is_zip_name(const char *path)
{
	size_t len = strlen(path);

	return len >= 4 && strcasecmp(path + len - 4, ".zip") == 0;
}

/* A file named or met in a walk: a zip archive, or one file to read. */
static void
add_file(struct collector *c, const char *path, const struct stat *st)
{
	if (S_ISREG(st->st_mode) && is_zip_name(path))
		add_zip(c, path, st);
	else
		add(c, path, st);
}

/* --- collecting ---------------------------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = xmalloc(dl + nl + 2);

	memcpy(p, dir, dl);
	if (dl > 0 && dir[dl - 1] != '/')
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

static void
walk(struct collector *c, const char *dir)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		diag(DIAG_ERROR, dir, 0, "cannot open directory: %s",
		    strerror(errno));
		c->errors++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)	/* an empty folder has no names array at all */
		qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n; i++) {
		path = join(dir, names[i]);
		free(names[i]);
		if (lstat(path, &st) == -1) {
			diag(DIAG_ERROR, path, 0, "cannot read: %s",
			    strerror(errno));
			c->errors++;
		} else if (S_ISDIR(st.st_mode))
			walk(c, path);
		else if (S_ISLNK(st.st_mode) && stat(path, &st) == -1) {
			if (errno == ELOOP) {
				diag(DIAG_WARNING, path, 0,
				    "symbolic link loop, skipped");
				c->skipped++;
			} else if (errno == ENOENT || errno == ENOTDIR) {
				diag(DIAG_WARNING, path, 0,
				    "broken symbolic link, skipped");
				c->skipped++;
			} else {
				/* A target there but out of reach. */
				diag(DIAG_ERROR, path, 0, "cannot read: %s",
				    strerror(errno));
				c->errors++;
			}
		} else if (S_ISDIR(st.st_mode)) {
			diag(DIAG_WARNING, path, 0, "symbolic link to a "
			    "directory, not followed");
			c->skipped++;
		} else if (S_ISREG(st.st_mode))
			add_file(c, path, &st);
		else {
			diag(DIAG_WARNING, path, 0,
			    "not a regular file, skipped");
			c->skipped++;
		}
		free(path);
	}
	free(names);
}

/*
 * "SEND2019032113-10.LOG" -> prefix "SEND", stamp 2019032113, number 10.
 * A daily stamp (8 digits) reads as hour 00; "SEND2019032113-10.LOG.gz"
 * reads as "SEND2019032113-10.LOG".  0 when the name is not so.
 */
static int
rollover_key(const char *name, size_t *prefixlen, unsigned long long *stamp,
    unsigned long long *num)
{
	const char *p = name, *digits;
	size_t nd;

	while (isalpha((unsigned char)*p))
		p++;
	if (p == name)
		return 0;
	*prefixlen = (size_t)(p - name);
	digits = p;
	*stamp = 0;
	while (isdigit((unsigned char)*p))
		*stamp = *stamp * 10 + (unsigned)(*p++ - '0');
	nd = (size_t)(p - digits);
	if ((nd != 8 && nd != 10) || *p++ != '-' ||
	    !isdigit((unsigned char)*p))
		return 0;
	if (nd == 8)
		*stamp *= 100;
	digits = p;
	*num = 0;
	while (isdigit((unsigned char)*p) && p - digits < 18)
		*num = *num * 10 + (unsigned)(*p++ - '0');
	return strcasecmp(p, ".LOG") == 0 || strcasecmp(p, ".LOG.gz") == 0;
}

int
input_name_cmp(const char *a, const char *b)
{
	unsigned long long sa, sb, na, nb;
	size_t pa, pb;
	int ra, rb, c;

	a = base_name(a);
	b = base_name(b);
	ra = rollover_key(a, &pa, &sa, &na);
	rb = rollover_key(b, &pb, &sb, &nb);
	if (ra != rb)
		return ra ? -1 : 1;
	if (!ra)
		return strcmp(a, b);
	if (pa != pb || (c = strncasecmp(a, b, pa)) != 0)
		return pa != pb ? (pa < pb ? -1 : 1) : c;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp(a, b);
}

static int
by_inode(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->archive != y->archive)
		return x->archive < y->archive ? -1 : 1;
	if (x->entry_index != y->entry_index)
		return x->entry_index < y->entry_index ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
by_reading_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if (x->folder != y->folder)
		return x->folder < y->folder ? -1 : 1;
	if ((c = input_name_cmp(x->base, y->base)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Read each file once, even when named twice (dir and dir/file). */
static void
drop_duplicates(struct collector *c)
{
	size_t i, j;

	if (c->n == 0)
		return;		/* and qsort() may not have a null array */
	qsort(c->entries, c->n, sizeof *c->entries, by_inode);
	for (i = j = 0; i < c->n; i++) {
		if (j > 0 && !c->entries[i].is_stdin &&
		    !c->entries[j - 1].is_stdin &&
		    c->entries[i].dev == c->entries[j - 1].dev &&
		    c->entries[i].ino == c->entries[j - 1].ino &&
		    c->entries[i].archive == c->entries[j - 1].archive &&
		    c->entries[i].entry_index ==
		    c->entries[j - 1].entry_index) {
			if (strcmp(c->entries[i].path,
			    c->entries[j - 1].path) == 0)
				diag(DIAG_WARNING, c->entries[i].path, 0,
				    "named twice, read once");
			else
				diag(DIAG_WARNING, c->entries[i].path, 0,
				    "same file as %s, read once",
				    c->entries[j - 1].path);
			free(c->entries[i].path);
			continue;
		}
		c->entries[j++] = c->entries[i];
	}
	c->n = j;
}

void
input_collect(const char *const *paths, size_t npaths, struct input_list *l)
{
	struct collector c;
	struct stat st;
	size_t i;
	int have_stdin = 0;

	memset(&c, 0, sizeof c);
	for (i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") == 0) {
			if (!have_stdin++)
				add(&c, "-", NULL);
		} else if (stat(paths[i], &st) == -1) {
			diag(DIAG_ERROR, paths[i], 0, "%s", strerror(errno));
			c.errors++;
		} else if (S_ISDIR(st.st_mode))
			walk(&c, paths[i]);
		else
			add_file(&c, paths[i], &st);	/* named: FIFOs too */
	}
	drop_duplicates(&c);
	if (c.n > 0)
		qsort(c.entries, c.n, sizeof *c.entries, by_reading_order);
	memset(l, 0, sizeof *l);
	l->files = xcalloc(c.n, sizeof *l->files);
	l->archives = xcalloc(c.narchives, sizeof *l->archives);
	for (i = 0; i < c.narchives; i++)
		l->archives[i] = c.archives[i].path;
	l->narchives = c.narchives;
	for (i = 0; i < c.n; i++) {
		l->files[i].path = c.entries[i].path;
		l->files[i].folder = c.folders[c.entries[i].folder];
		if (c.entries[i].archive == 0)
			continue;
		l->files[i].archive = l->archives[c.entries[i].archive - 1];
		l->files[i].entry = l->files[i].path +
		    strlen(l->files[i].archive) + 1;
		l->files[i].entry_index = c.entries[i].entry_index;
	}
	l->nfiles = c.n;
	l->folders = c.folders;
	l->nfolders = c.nfolders;
	l->skipped = c.skipped;
	l->errors = c.errors;
	free(c.entries);
	free(c.archives);
}

void
input_free(struct input_list *l)
{
	size_t i;

	for (i = 0; i < l->nfiles; i++)
		free(l->files[i].path);
	for (i = 0; i < l->nfolders; i++)
		free(l->folders[i]);
	for (i = 0; i < l->narchives; i++)
		free(l->archives[i]);
	free(l->files);
	free(l->folders);
	free(l->archives);
	memset(l, 0, sizeof *l);
}

/* --- reading ------------------------------------------------------------- */

/*
 * A stream of bytes from a file descriptor or a zip entry, handed on as
 * they are or, when they start with the gzip magic, decompressed with
 * zlib's inflate(): one decoder for files, standard input and zip entries
 * alike (zlib's gzread() reads only from a file descriptor, so it could not
 * decompress a zip entry).  Wrapped in a FILE with fopencookie(), so that
 * the reader reads it as any file.
 */
#define STREAM_CHUNK	(64 * 1024)

enum stream_mode {
	STREAM_DETECT,		/* nothing read yet */
	STREAM_PLAIN,		/* bytes handed on as they are */
	STREAM_GZIP,		/* in a gzip member */
	STREAM_END,		/* after the last gzip member */
	STREAM_ERROR		/* gives -1 with errno = err */
};

struct stream {
	int		 fd;		/* read from it, unless ar is set */
	FILE		*fp;		/* closed at the end, if not NULL */
	struct archive	*ar;		/* positioned on the entry to read */
	const struct input_file *entry;	/* the zip entry ar reads, or NULL */
	struct stat	 st;		/* of its archive when opened */
	int		 ar_failed;	/* reading ar gave an error */
	enum stream_mode mode;
	int		 err;
	int		 eof;		/* nothing more underneath */
	int		 inflating;	/* inflateInit2() done */
	z_stream	 zs;		/* next_in/avail_in: the unread input */
	unsigned char	 in[STREAM_CHUNK];
};

static ssize_t
stream_read_raw(struct stream *s, unsigned char *buf, size_t n)
{
	la_ssize_t got;
	ssize_t r;

	if (s->ar != NULL) {
		got = arc.read_data(s->ar, buf, n);
		if (got < 0) {
			s->ar_failed = 1;
			errno = archive_errno_of(s->ar);
			return -1;
		}
		return (ssize_t)got;
	}
	while ((r = read(s->fd, buf, n)) == -1 && errno == EINTR)
		;
	return r;
}

/* Read more input after what is unread.  0, or -1 with errno set. */
static int
stream_fill(struct stream *s)
{
	ssize_t n;

	if (s->zs.avail_in > 0 && s->zs.next_in != s->in)
		memmove(s->in, s->zs.next_in, s->zs.avail_in);
	s->zs.next_in = s->in;
	n = stream_read_raw(s, s->in + s->zs.avail_in,
	    sizeof s->in - s->zs.avail_in);
	if (n == -1)
		return -1;
	if (n == 0)
		s->eof = 1;
	s->zs.avail_in += (uInt)n;
	return 0;
}

/* Whether the unread input starts with the gzip magic; -1 on error. */
static int
stream_at_gzip(struct stream *s)
{
	while (s->zs.avail_in < 2 && !s->eof)
		if (stream_fill(s) == -1)
			return -1;
	return s->zs.avail_in >= 2 && s->zs.next_in[0] == 0x1f &&
	    s->zs.next_in[1] == 0x8b;
}

static void
stream_fail(struct stream *s, int err)
{
	s->mode = STREAM_ERROR;
	s->err = err;
}

/*
 * After the end of a gzip member: another one, or the end.  Bytes after
 * the last member that are not a gzip member are ignored, as zlib's
 * gzread() and gzip -d do (padding, for one).
 */
static void
stream_next_member(struct stream *s)
{
	switch (stream_at_gzip(s)) {
	case -1:
		stream_fail(s, errno);
		break;
	case 1:
		if (inflateReset(&s->zs) != Z_OK)
			stream_fail(s, EIO);
		break;
	default:
		s->mode = STREAM_END;
		break;
	}
}

/* Decompress into buf; > 0 bytes, 0 at the end, -1 with errno. */
static ssize_t
stream_inflate(struct stream *s, char *buf, size_t size)
{
	uInt want = size > UINT_MAX ? UINT_MAX : (uInt)size;
	size_t n;
	int ret;

	while (s->mode == STREAM_GZIP) {
		if (s->zs.avail_in == 0 && !s->eof && stream_fill(s) == -1)
			return -1;
		if (s->zs.avail_in == 0 && s->eof) {
			errno = EIO;		/* cut short in a member */
			return -1;
		}
		s->zs.next_out = (Bytef *)buf;
		s->zs.avail_out = want;
		ret = inflate(&s->zs, Z_NO_FLUSH);
		n = want - s->zs.avail_out;
		if (ret == Z_STREAM_END)
			stream_next_member(s);
		else if (ret == Z_MEM_ERROR) {
			errno = ENOMEM;
			return -1;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			errno = EIO;		/* corrupt data */
			return -1;
		}
		if (n > 0)
			return (ssize_t)n;
	}
	if (s->mode == STREAM_ERROR) {
		errno = s->err;
		return -1;
	}
	return 0;
}

static ssize_t
stream_cookie_read(void *cookie, char *buf, size_t size)
{
	struct stream *s = cookie;
	size_t n;

	if (size == 0)
		return 0;
	switch (s->mode) {
	case STREAM_DETECT:
		switch (stream_at_gzip(s)) {
		case -1:
			return -1;
		case 1:
			if (inflateInit2(&s->zs, 15 + 16) != Z_OK) {
				errno = ENOMEM;
				return -1;
			}
			s->inflating = 1;
			s->mode = STREAM_GZIP;
			return stream_inflate(s, buf, size);
		default:
			s->mode = STREAM_PLAIN;
			return stream_cookie_read(s, buf, size);
		}
	case STREAM_PLAIN:
		if (s->zs.avail_in > 0) {
			n = size < s->zs.avail_in ? size : s->zs.avail_in;
			memcpy(buf, s->zs.next_in, n);
			s->zs.next_in += n;
			s->zs.avail_in -= (uInt)n;
			return (ssize_t)n;
		}
		if (s->eof)
			return 0;
		return stream_read_raw(s, (unsigned char *)buf, size);
	case STREAM_GZIP:
	case STREAM_END:
		return stream_inflate(s, buf, size);
	case STREAM_ERROR:
	default:
		errno = s->err;
		return -1;
	}
}

/*
 * The zip archive this thread read its last entry from, kept open after
 * it.  Entries are mostly read in the archive's order (a worker of --jobs
 * takes every other one or so, still in order), and opening each anew
 * reads every header before it again: quadratic in the entries, 25 s
 * instead of 0.1 s for 2,160 small ones.  Reading on from the kept one
 * skips only the headers in between.
 */
static _Thread_local struct kept_archive {
	struct archive	*a;		/* NULL: none */
	char		*path;		/* a copy of input_file.archive */
	size_t		 index;		/* of the entry last opened */
	struct stat	 st;		/* of path when opened */
} kept;

static void
kept_drop(void)
{
	if (kept.a != NULL)
		arc.read_free(kept.a);
	kept.a = NULL;
	free(kept.path);
	kept.path = NULL;
}

static _Thread_local unsigned long headers_read;

void
input_thread_done(void)
{
	kept_drop();
}

unsigned long
input_zip_headers_read(void)
{
	return headers_read;
}

static int
stream_cookie_close(void *cookie)
{
	struct stream *s = cookie;

	if (s->inflating)
		inflateEnd(&s->zs);
	if (s->ar != NULL && s->entry != NULL && !s->ar_failed &&
	    kept.a == NULL) {
		/* Kept for the next entry; next_header skips what is unread. */
		free(kept.path);
		kept.a = s->ar;
		kept.path = xstrdup(s->entry->archive);
		kept.index = s->entry->entry_index;
		kept.st = s->st;
	} else if (s->ar != NULL)
		arc.read_free(s->ar);
	if (s->fp != NULL)
		fclose(s->fp);
	free(s);
	return 0;
}

/*
 * A FILE reading s; s is freed (and what it holds closed) when that FILE
 * is closed, or here when it cannot be made.
 */
static FILE *
stream_wrap(struct stream *s)
{
	static const cookie_io_functions_t io = {
		.read = stream_cookie_read,
		.close = stream_cookie_close,
	};
	FILE *fp;

	s->mode = STREAM_DETECT;
	s->zs.next_in = s->in;
	if ((fp = fopencookie(s, "r", io)) == NULL) {
		stream_cookie_close(s);
		errno = ENOMEM;
	}
	return fp;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * The archive of f read to f's entry, in *a: read on from the kept one
 * when use_kept is set, f comes after the entry it last gave and the file
 * is still the one it opened; else opened anew.  Returns 0, or an errno
 * value with *a freed.  *kept_used says which it was.
 */
static int
seek_entry(const struct input_file *f, struct archive **a, struct stat *st,
    int use_kept, int *kept_used)
{
	struct archive_entry *ae;
	const char *name;
	size_t i = 0;
	int r, err = 0;

	*kept_used = 0;
	if (use_kept && kept.a != NULL && strcmp(kept.path, f->archive) == 0 &&
	    kept.index < f->entry_index && stat(f->archive, st) == 0 &&
	    same_file(st, &kept.st)) {
		*a = kept.a;
		kept.a = NULL;
		i = kept.index + 1;
		*kept_used = 1;
	} else {
		kept_drop();
		if (stat(f->archive, st) == -1)
			memset(st, 0, sizeof *st);
		if (zip_open(f->archive, a) == NULL)
			err = *a != NULL ? archive_errno_of(*a) : errno;
	}
	for (; err == 0; i++) {
		headers_read++;
		if ((r = arc.read_next_header(*a, &ae)) == ARCHIVE_EOF)
			err = ENOENT;	/* the archive changed */
		else if (r < ARCHIVE_WARN)
			err = archive_errno_of(*a);
		else if (i == f->entry_index) {
			name = arc.entry_pathname(ae);
			if (name == NULL || strcmp(name, f->entry) != 0)
				err = ENOENT;
			break;
		}
	}
	if (err != 0 && *a != NULL) {
		arc.read_free(*a);
		*a = NULL;
	}
	return err;
}

/* The entry of a zip archive, read to that entry. */
static FILE *
open_entry(const struct input_file *f)
{
	struct archive *a = NULL;
	struct stream *s;
	struct stat st;
	locale_t loc, old = (locale_t)0;
	int err, kept_used;

	loc = utf8_names_begin(&old);
	err = seek_entry(f, &a, &st, 1, &kept_used);
	if (err != 0 && kept_used)	/* whatever went wrong, from the start */
		err = seek_entry(f, &a, &st, 0, &kept_used);
	utf8_names_end(loc, old);
	if (err != 0) {
		errno = err;
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->fd = -1;
	s->ar = a;
	s->entry = f;
	s->st = st;
	return stream_wrap(s);
}

/*
 * The size of each plain file when input_open() opened it, for
 * input_close() to tell whether it shrank meanwhile.  A thread has one
 * file open at a time (a test two): a few slots each are plenty, and a
 * file that finds none is not checked.
 */
#define OPENED_MAX	4

static _Thread_local struct opened {
	FILE		*fp;
	off_t		 size;
} opened[OPENED_MAX];

/* Whether the regular file open at fd (its status in st) is gzip data. */
static int
is_gzip(int fd)
{
	unsigned char magic[2];

	return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b;
}

long long
input_plain_size(const struct input_file *f)
{
	struct stat st;
	long long size = -1;
	int fd;

	if (f->archive != NULL || (strcmp(f->path, "-") == 0 &&
	    strcmp(f->folder, "-") == 0))
		return -1;
	/* Never blocks: a FIFO opened without a writer would. */
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !is_gzip(fd))
		size = (long long)st.st_size;
	close(fd);
	return size;
}

FILE *
input_open(const struct input_file *f)
{
	struct stream *s;
	struct stat st;
	size_t i;
	FILE *fp;

	if (f->archive != NULL)
		return open_entry(f);
	if (strcmp(f->path, "-") == 0 && strcmp(f->folder, "-") == 0) {
		s = xcalloc(1, sizeof *s);
		s->fd = STDIN_FILENO;		/* left open at the end */
		return stream_wrap(s);
	}
	if ((fp = fopen(f->path, "rb")) == NULL)
		return NULL;
	/*
	 * A regular file is read from its stdio FILE unless it is gzip data;
	 * pipes and devices cannot be peeked at, so all go through a stream,
	 * which looks at the first bytes as it reads them.
	 */
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    !is_gzip(fileno(fp))) {
		for (i = 0; i < OPENED_MAX; i++)
			if (opened[i].fp == NULL) {
				opened[i].fp = fp;
				opened[i].size = st.st_size;
				break;
			}
		return fp;
	}
	s = xcalloc(1, sizeof *s);
	s->fd = fileno(fp);
	s->fp = fp;
	return stream_wrap(s);
}

/*
 * Once a plain file has been read to its end, whether it changed under
 * the scan: shrunk below its size when opened or what was read
 * (truncated, as a rotation that copies and then truncates does), or its
 * path now names another file (replaced by a rename).  Only said, never
 * undone: the rows read were used.
 */
static void
check_changed(const struct input_file *f, FILE *fp, off_t size)
{
	struct stat now, there;
	off_t done;
	int fd = fileno(fp);

	if (fd < 0 || !feof(fp) || fstat(fd, &now) == -1 ||
	    !S_ISREG(now.st_mode) || (done = ftello(fp)) == -1)
		return;
	if (done > size)
		size = done;
	if (now.st_size < size)
		diag(DIAG_WARNING, f->path, 0, "file was truncated while "
		    "being read (from %lld to %lld bytes): rows past what was "
		    "read may be missing", (long long)size,
		    (long long)now.st_size);
	else if (stat(f->path, &there) == 0 && (there.st_dev != now.st_dev ||
	    there.st_ino != now.st_ino))
		diag(DIAG_WARNING, f->path, 0, "file was replaced while being "
		    "read: read to its end as it was when opened");
}

void
input_close(const struct input_file *f, FILE *fp)
{
	size_t i;

	if (fp == stdin)
		return;
	for (i = 0; i < OPENED_MAX; i++)
		if (opened[i].fp == fp) {
			opened[i].fp = NULL;
			check_changed(f, fp, opened[i].size);
		}
	fclose(fp);
}

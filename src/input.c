/*
 * input.c: walk the paths given and put the log files in reading order.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "input.h"
#include "xmalloc.h"

struct entry {
	char		*path;
	size_t		 folder;	/* index into the folders */
	size_t		 order;		/* when it was met */
	dev_t		 dev;
	ino_t		 ino;
	int		 is_stdin;
};

struct collector {
	struct entry	*entries;
	size_t		 n, cap;
	char		**folders;
	size_t		 nfolders;
	unsigned long	 skipped, errors;
};

static size_t
folder_index(struct collector *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len, i;
	char *dir;

	if (slash == NULL)
		dir = xstrdup(".");
	else {
		len = (size_t)(slash - path);
		dir = xstrndup(path, len == 0 ? 1 : len);
	}
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

static void
add(struct collector *c, const char *path, const struct stat *st)
{
	struct entry *e;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->entries = xreallocarray(c->entries, c->cap,
		    sizeof *c->entries);
	}
	e = &c->entries[c->n];
	memset(e, 0, sizeof *e);
	e->path = xstrdup(path);
	e->order = c->n++;
	if (st == NULL) {
		e->is_stdin = 1;
		e->folder = folder_index(c, "-/-");	/* folder "-" */
	} else {
		e->dev = st->st_dev;
		e->ino = st->st_ino;
		e->folder = folder_index(c, path);
	}
}

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
			diag(DIAG_WARNING, path, 0,
			    "broken symbolic link, skipped");
			c->skipped++;
		} else if (S_ISDIR(st.st_mode)) {
			diag(DIAG_WARNING, path, 0, "symbolic link to a "
			    "directory, not followed");
			c->skipped++;
		} else if (S_ISREG(st.st_mode))
			add(c, path, &st);
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
 * A daily stamp (8 digits) reads as hour 00.  0 when the name is not so.
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
	return strcasecmp(p, ".LOG") == 0;
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
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
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
by_reading_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if (x->folder != y->folder)
		return x->folder < y->folder ? -1 : 1;
	if ((c = input_name_cmp(x->path, y->path)) != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Read each file once, even when named twice (dir and dir/file). */
static void
drop_duplicates(struct collector *c)
{
	size_t i, j;

	qsort(c->entries, c->n, sizeof *c->entries, by_inode);
	for (i = j = 0; i < c->n; i++) {
		if (j > 0 && !c->entries[i].is_stdin &&
		    !c->entries[j - 1].is_stdin &&
		    c->entries[i].dev == c->entries[j - 1].dev &&
		    c->entries[i].ino == c->entries[j - 1].ino) {
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
			add(&c, paths[i], &st);	/* named: FIFOs too */
	}
	drop_duplicates(&c);
	qsort(c.entries, c.n, sizeof *c.entries, by_reading_order);
	memset(l, 0, sizeof *l);
	l->files = xcalloc(c.n, sizeof *l->files);
	for (i = 0; i < c.n; i++) {
		l->files[i].path = c.entries[i].path;
		l->files[i].folder = c.folders[c.entries[i].folder];
	}
	l->nfiles = c.n;
	l->folders = c.folders;
	l->nfolders = c.nfolders;
	l->skipped = c.skipped;
	l->errors = c.errors;
	free(c.entries);
}

void
input_free(struct input_list *l)
{
	size_t i;

	for (i = 0; i < l->nfiles; i++)
		free(l->files[i].path);
	for (i = 0; i < l->nfolders; i++)
		free(l->folders[i]);
	free(l->files);
	free(l->folders);
	memset(l, 0, sizeof *l);
}

FILE *
input_open(const struct input_file *f)
{
	if (strcmp(f->path, "-") == 0 && strcmp(f->folder, "-") == 0)
		return stdin;
	return fopen(f->path, "rb");
}

void
input_close(const struct input_file *f, FILE *fp)
{
	if (fp != stdin)
		fclose(fp);
	(void)f;
}

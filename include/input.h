/*
 * input.h: the log files named on the command line, in reading order.
 *
 * Directories are walked recursively (symbolic links to directories inside
 * a walk are not followed, so a walk cannot loop); "-" is standard input.
 * Files are grouped by the folder that holds them (one folder holds one
 * server's logs), folders in the order first met, and the files of a folder
 * in rollover order: SEND<stamp>-<N>.LOG by stamp then N, compared as
 * numbers (-10 after -9; a daily 8-digit stamp sorts as hour 00), other
 * names after them in byte order.  A ".gz" suffix does not count:
 * SEND<stamp>-<N>.LOG.gz sorts as SEND<stamp>-<N>.LOG.  A file met twice
 * is read once.
 *
 * Compressed input is read as it stands, never unpacked to disk:
 *
 *  - gzip: a file (standard input and FIFOs too) whose first two bytes are
 *    the gzip magic 1f 8b is decompressed, whatever its name; a file of
 *    several gzip members is read as their concatenation.
 *
 *  - zip: a regular file named *.zip (any case), named or met in a walk,
 *    is listed when the files are collected, and each regular entry in it
 *    is one input file, with the path "ARCHIVE:ENTRY" and the folder
 *    "ARCHIVE:DIR" (DIR the entry's directory in the archive, empty for an
 *    entry at the top), so that each folder in an archive is a folder of
 *    its own.  The entries are taken in the order a walk of the unpacked
 *    archive would meet them.  An entry that is gzip data is decompressed
 *    too.  Directory entries are skipped silently, other entries that are
 *    not regular files with a warning; an archive that cannot be opened or
 *    listed, and an encrypted entry, are errors.
 */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>
#include <stdio.h>

struct input_file {
	char		*path;		/* as walked; "-" for standard input;
					   "ARCHIVE:ENTRY" for a zip entry */
	const char	*folder;	/* shared by the files of one folder */
	const char	*archive;	/* the zip file holding it, or NULL */
	const char	*entry;		/* its name in the archive (points
					   into path), or NULL */
	size_t		 entry_index;	/* its position in the archive */
};

struct input_list {
	struct input_file *files;
	size_t		 nfiles;
	char		**folders;
	size_t		 nfolders;
	char		**archives;	/* the paths input_file.archive uses */
	size_t		 narchives;
	unsigned long	 skipped;	/* not regular files, met in a walk
					   or in an archive */
	unsigned long	 errors;	/* paths, archives and archive entries
					   that could not be read */
};

/*
 * Collect the files under paths.  Trouble is reported with diag(): a path
 * that cannot be read is an error, a FIFO or device inside a walk a warning
 * (it is skipped, never opened); a zip archive that cannot be read is an
 * error, "sendlog-scan: ARCHIVE: error: cannot read zip archive: MESSAGE".
 */
void	input_collect(const char *const *paths, size_t npaths,
	    struct input_list *);
void	input_free(struct input_list *);

/*
 * Compare two file names in rollover order, for qsort-like use.  Exposed
 * for the tests.
 */
int	input_name_cmp(const char *a, const char *b);

/*
 * Open f for reading: standard input for "-"; gzip data and zip entries
 * come decompressed.  NULL with errno set.  Reading sets the stream's
 * error indicator with errno EIO when compressed data turns out corrupt
 * or cut short, after every byte that could be decompressed before it.
 */
FILE	*input_open(const struct input_file *f);

/*
 * Close what input_open() gave.  A plain file read to its end that has
 * meanwhile shrunk below its size when opened, or below what was read,
 * gets a warning, "file was truncated while being read (from N to M
 * bytes): ...", and one whose path now names another file (a rename over
 * it) "file was replaced while being read: ...".
 */
void	 input_close(const struct input_file *f, FILE *);

/*
 * Let go of what this thread keeps open between files: the zip archive
 * its last entry came from, which the next entry of the same archive
 * reads on from rather than from its start.  Call it when the thread
 * has no more files to open.
 */
void	 input_thread_done(void);

/*
 * The size of f when it is read as it is on disk, a plain regular file;
 * -1 when not (gzip data, a zip entry, standard input, anything else,
 * or a file that cannot be opened): what reading it gives is not known
 * beforehand.
 */
long long	 input_plain_size(const struct input_file *f);

/* Headers of zip entries this thread has read, for the tests. */
unsigned long	 input_zip_headers_read(void);

#endif

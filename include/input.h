/*
 * input.h: the log files named on the command line, in reading order.
 *
 * Directories are walked recursively (symbolic links to directories inside
 * a walk are not followed, so a walk cannot loop); "-" is standard input.
 * Files are grouped by the folder that holds them (one folder holds one
 * server's logs), folders in the order first met, and the files of a folder
 * in rollover order: SEND<stamp>-<N>.LOG by stamp then N, compared as
 * numbers (-10 after -9; a daily 8-digit stamp sorts as hour 00), other
 * names after them in byte order.  A file met twice is read once.
 */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>
#include <stdio.h>

struct input_file {
	char		*path;		/* as walked; "-" for standard input */
	const char	*folder;	/* shared by the files of one folder */
};

struct input_list {
	struct input_file *files;
	size_t		 nfiles;
	char		**folders;
	size_t		 nfolders;
	unsigned long	 skipped;	/* not regular files, met in a walk */
	unsigned long	 errors;	/* paths that could not be read */
};

/*
 * Collect the files under paths.  Trouble is reported with diag(): a path
 * that cannot be read is an error, a FIFO or device inside a walk a warning
 * (it is skipped, never opened).
 */
void	input_collect(const char *const *paths, size_t npaths,
	    struct input_list *);
void	input_free(struct input_list *);

/*
 * Compare two file names in rollover order, for qsort-like use.  Exposed
 * for the tests.
 */
int	input_name_cmp(const char *a, const char *b);

/* Open f for reading: standard input for "-".  NULL with errno set. */
FILE	*input_open(const struct input_file *f);
void	 input_close(const struct input_file *f, FILE *);

#endif

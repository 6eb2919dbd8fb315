/*
 * merge.h: --merge, one report from the --format json results of several
 * runs (one per server, say), the same as one run over all their logs.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>

#include "scan.h"

/*
 * Read the JSON results at paths ("-" for standard input) and write the
 * report opt->report asks for.  Returns the exit status, as scan_run().
 */
int	merge_run(const char *const *paths, size_t npaths,
	    const struct scan_options *opt);

#endif

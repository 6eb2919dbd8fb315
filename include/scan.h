/*
 * scan.h: the pipeline, input -> reader -> sessions -> rules -> report.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>

#include "report.h"
#include "rules.h"

struct scan_options {
	const char *const	*paths;
	size_t			 npaths;
	enum report_format	 format;
	struct rules		*rules;		/* loaded by the caller */
};

/*
 * Scan the paths and write the report to standard output.  Returns the
 * exit status: 0 no findings, 1 findings, 2 trouble (a path that could not
 * be read, no log file at all, or output that could not be written).
 */
int	scan_run(const struct scan_options *);

#endif

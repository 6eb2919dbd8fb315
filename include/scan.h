/*
 * scan.h: the pipeline, input -> reader -> sessions -> rules -> report.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "report.h"
#include "rules.h"

struct scan_options {
	const char *const	*paths;
	size_t			 npaths;
	struct rules		*rules;		/* loaded by the caller */
	const struct rules_config *rules_config;	/* to load more, --jobs */
	int			 jobs;		/* folders scanned at once */
	struct filter		*filter;	/* window, connector, remote */
	struct report_options	 report;
	int64_t			 gap;		/* --gap, ms */
	int			 progress;	/* a progress line on stderr */
};

/*
 * Scan the paths and write the report to standard output.  Returns the
 * exit status: 0 no findings, 1 findings, 2 trouble (a path that could not
 * be read, no log file at all, a window that cannot be resolved).
 */
int	scan_run(const struct scan_options *);

#endif

/*
 * report.h: findings and the scan summary on standard output.
 *
 *   text    a summary for a person (the default): what was read, then the
 *           findings grouped by rule, connector and remote host, with one
 *           example session and its evidence rows.  Printed at the end.
 *   ndjson  one JSON object per finding per line, as findings are made.
 *   lines   one line per finding, FILE:LINE: SEVERITY: RULE: ..., as
 *           compilers write diagnostics.
 *
 * Text from logs goes through escape.h: never raw to a terminal, always
 * valid UTF-8 JSON.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "finding.h"
#include "session.h"
#include "stats.h"

enum report_format { REPORT_TEXT, REPORT_NDJSON, REPORT_LINES };

struct report;

/* Parse a --format name; -1 when unknown. */
int		 report_format_parse(const char *, enum report_format *);

struct report	*report_new(enum report_format, FILE *out);
void		 report_finding(struct report *, const struct finding *,
		    const struct session *);
void		 report_finish(struct report *, const struct scan_stats *);
void		 report_free(struct report *);

#endif

/*
 * report_text.h: the summary for a person, gathered while the scan runs
 * and written at its end.  Memory grows with the number of groups (rule,
 * connector, remote host), not with the number of findings: each group
 * keeps counts, times and one example session.
 */
#ifndef REPORT_TEXT_H
#define REPORT_TEXT_H

#include <stdio.h>

#include "finding.h"
#include "session.h"
#include "stats.h"

struct text_summary;

struct text_summary	*text_summary_new(void);
void			 text_summary_free(struct text_summary *);
void			 text_summary_add(struct text_summary *,
			    const struct finding *, const struct session *);
void			 text_summary_write(struct text_summary *,
			    const struct scan_stats *, FILE *);

#endif

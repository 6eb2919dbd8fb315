/*
 * report.h: findings and the summary on standard output.
 *
 *   text    a report for a person (the default): what was read, the
 *           findings grouped by rule, connector and remote host, a
 *           timeline, and the coverage of the logs.  Written at the end.
 *   ndjson  one JSON object per finding per line, as findings are made.
 *   lines   one line per finding, FILE:LINE: SEVERITY: RULE: ..., as
 *           compilers write diagnostics.
 *   csv     one RFC 4180 row per finding, with a header row.
 *   json    one JSON document: the findings, then the summary; what
 *           --merge reads.
 *   tlsrpt  RFC 8460 reports, one JSON document per UTC day and line.
 *
 * Text from logs goes through escape.h: never raw to a terminal, always
 * valid UTF-8 JSON.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "finding.h"
#include "session.h"
#include "summary.h"

enum report_format {
	REPORT_TEXT, REPORT_NDJSON, REPORT_LINES, REPORT_CSV, REPORT_JSON,
	REPORT_TLSRPT
};

struct report_options {
	enum report_format format;
	int		 top;		/* remotes listed per connector; <0 all */
	int		 detail;	/* 0 no examples, 1 message, 2 evidence */
	int		 color;		/* escape sequences for a terminal */
	const char	*org;		/* TLSRPT organization-name */
	const char	*contact;	/* TLSRPT contact-info */
	int		 fragment;	/* findings only: no CSV header, no JSON
					   start (--jobs puts pieces together) */
};

struct report;

/* Parse a --format name; -1 when unknown. */
int		 report_format_parse(const char *, enum report_format *);

struct report	*report_new(const struct report_options *, FILE *out);
void		 report_finding(struct report *, const struct finding *,
		    const struct session *);
void		 report_finish(struct report *, const struct summary *);
void		 report_free(struct report *);

/* Writers of the formats that are written at the end, in their files. */
void		 report_text_write(FILE *, const struct report_options *,
		    const struct summary *);
void		 report_json_begin(FILE *);
void		 report_json_finding(FILE *, const struct finding *,
		    const struct session *, int first);
void		 report_json_end(FILE *, const struct summary *);
void		 report_tlsrpt_write(FILE *, const struct report_options *,
		    const struct summary *);

/* One finding as the JSON object of --format ndjson, without newline. */
void		 report_finding_json(FILE *, const struct finding *,
		    const struct session *);

#endif

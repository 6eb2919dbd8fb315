/*
 * filter.h: which sessions and findings a report is about: the time window
 * (--since, --until), --connector, --remote and --severity.
 */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"
#include "session.h"

/* A time as given: absolute, or relative to the newest row. */
struct filter_time {
	int		 set;
	int		 relative;
	int64_t		 ms;		/* absolute time, or the span back */
};

struct filter_remote {
	enum { REMOTE_NET, REMOTE_GLOB } kind;
	unsigned char	 addr[16];	/* REMOTE_NET, IPv4 mapped in IPv6 */
	int		 prefix;	/* bits of addr that must match */
	char		*glob;		/* REMOTE_GLOB, on the host name */
};

struct filter {
	struct filter_time since, until;
	int		 have_window;	/* once resolved */
	int64_t		 from, to;	/* the window, resolved */
	const char	**connectors;	/* globs, case-insensitive */
	size_t		 nconnectors;
	struct filter_remote *remotes;
	size_t		 nremotes;
	enum severity	 min_severity;
};

/*
 * Parse an ISO 8601 UTC time (2026-11-02, 2026-11-02T13:00,
 * 2026-11-02T13:00:05.123Z) or a span back (90m, 24h, 7d, 2w).
 * Returns 0, or -1 when text is neither.
 */
int	filter_time_parse(const char *text, struct filter_time *);

/* --remote: an IP address, a CIDR block or a glob on the host name. */
int	filter_add_remote(struct filter *, const char *spec);
void	filter_add_connector(struct filter *, const char *glob);
int	filter_severity_parse(const char *, enum severity *);

/*
 * Fix the window: relative times count back from newest (the time of the
 * newest row; -1 when unknown, which relative times cannot do: -1 then).
 */
int	filter_resolve(struct filter *, int64_t newest);

/* Whether a session is reported on: in the window, connector, remote. */
int	filter_session(const struct filter *, const struct session *);
int	filter_finding(const struct filter *, const struct finding *);

void	filter_free(struct filter *);

#endif

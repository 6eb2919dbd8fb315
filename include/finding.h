/*
 * finding.h: what a rule says about one session.
 */
#ifndef FINDING_H
#define FINDING_H

#include <stddef.h>
#include <stdint.h>

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

/* A named group of a fact's pattern, as matched in the session. */
struct finding_attr {
	const char	*name;
	const char	*value;
};

struct finding {
	const char	*rule;		/* rule id, e.g. "tls-required-no-starttls" */
	enum severity	 severity;
	const char	*title;		/* the rule's title */
	const char	*tlsrpt;	/* RFC 8460 result type, or NULL */
	const char	*message;	/* one line, no newline */
	const char	*hint;		/* one paragraph, or NULL */
	const struct finding_attr *attrs;	/* named groups set on the session */
	size_t		 nattrs;
	int64_t		 onset;		/* remote last offered STARTTLS, or -1 */
};

const char	*severity_name(enum severity);

#endif

/*
 * finding.h: what a rule says about one session.
 */
#ifndef FINDING_H
#define FINDING_H

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

struct finding {
	const char	*rule;		/* rule id, e.g. "tls-required-no-starttls" */
	enum severity	 severity;
	const char	*message;	/* one line, no newline */
	const char	*hint;		/* one paragraph, or NULL */
};

const char	*severity_name(enum severity);

#endif

/*
 * rules.h: the rule engine, which turns closed sessions into findings.
 *
 * rules_observe_row() is shown every row of a session as it is read, so
 * that a rule can note what it looks for (in session->marks) and keep the
 * row as evidence; rules_eval() runs the rules on the closed session.
 *
 * The one rule today:
 *   tls-required-no-starttls (error): the connector required TLS and the
 *   remote offered no STARTTLS.
 */
#ifndef RULES_H
#define RULES_H

#include "finding.h"
#include "reader.h"
#include "session.h"

struct rules_config {
	/* Connectors treated as TLS-required; "*" means every connector. */
	const char *const *require_tls;
	size_t		 nrequire_tls;
};

struct rules;

/* The config is copied; the strings it points to must outlive the rules. */
struct rules	*rules_new(const struct rules_config *);
void		 rules_free(struct rules *);

void		 rules_observe_row(const struct rules *, struct session *,
		    const struct row *);

/*
 * Call emit for each finding on the closed session s.  The finding and
 * its strings are valid only during the call.
 */
typedef void (*finding_fn)(const struct finding *, const struct session *,
		    void *arg);
void		 rules_eval(const struct rules *, const struct session *,
		    finding_fn emit, void *arg);

#endif

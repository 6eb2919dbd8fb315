/*
 * report_tlsrpt.c: --format tlsrpt, RFC 8460 reports made from the send
 * logs: one JSON document per UTC day, one per line.  A send log knows no
 * MTA-STS or DANE policy, so each policy is "no-policy-found", for the
 * recipient domain of the sessions (or the remote host's domain).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "logtime.h"
#include "report.h"

static void
write_detail(struct jsonw *w, const struct summary_tls_detail *d)
{
	jw_object(w, NULL);
	jw_str(w, "result-type", d->result_type);
	if (d->sending_ip[0] != '\0')
		jw_str(w, "sending-mta-ip", d->sending_ip);
	if (d->mx_host[0] != '\0')
		jw_str(w, "receiving-mx-hostname", d->mx_host);
	if (d->mx_helo[0] != '\0')
		jw_str(w, "receiving-mx-helo", d->mx_helo);
	if (d->receiving_ip[0] != '\0')
		jw_str(w, "receiving-ip", d->receiving_ip);
	jw_int(w, "failed-session-count", (long long)d->count);
	if (d->reason[0] != '\0')
		jw_str(w, "failure-reason-code", d->reason);
	jw_end(w);
}

void
report_tlsrpt_write(FILE *fp, const struct report_options *opt,
    const struct summary *sum)
{
	const char *org = opt->org != NULL ? opt->org : "unspecified";
	const char *contact = opt->contact != NULL ? opt->contact :
	    "unspecified";
	char day[LOGTIME_BUFSZ], start[32], end[32], id[160];
	struct jsonw w;
	size_t i, j, k;

	for (i = 0; i < sum->npolicies; i = j) {
		logtime_format(sum->policies[i].day, day);
		snprintf(start, sizeof start, "%.10sT00:00:00Z", day);
		snprintf(end, sizeof end, "%.10sT23:59:59Z", day);
		snprintf(id, sizeof id, "%.10s.sendlog-scan.%.100s", day, org);
		for (k = 0; id[k] != '\0'; k++)
			if (!isalnum((unsigned char)id[k]) && id[k] != '.' &&
			    id[k] != '-')
				id[k] = '-';
		jw_init(&w, fp);
		jw_object(&w, NULL);
		jw_str(&w, "organization-name", org);
		jw_object(&w, "date-range");
		jw_str(&w, "start-datetime", start);
		jw_str(&w, "end-datetime", end);
		jw_end(&w);
		jw_str(&w, "contact-info", contact);
		jw_str(&w, "report-id", id);
		jw_array(&w, "policies");
		for (j = i; j < sum->npolicies &&
		    sum->policies[j].day == sum->policies[i].day; j++) {
			const struct summary_policy *p = &sum->policies[j];

			jw_object(&w, NULL);
			jw_object(&w, "policy");
			jw_str(&w, "policy-type", "no-policy-found");
			jw_str(&w, "policy-domain", p->domain);
			jw_end(&w);
			jw_object(&w, "summary");
			jw_int(&w, "total-successful-session-count",
			    (long long)p->successful);
			jw_int(&w, "total-failure-session-count",
			    (long long)p->failed);
			jw_end(&w);
			if (p->ndetails > 0) {
				jw_array(&w, "failure-details");
				for (k = 0; k < p->ndetails; k++)
					write_detail(&w, &p->details[k]);
				jw_end(&w);
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		fputc('\n', fp);
	}
}

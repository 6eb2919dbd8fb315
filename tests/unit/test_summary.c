/*
 * test_summary.c: summary.h, what closed sessions add to the summary: the
 * remote labels, the remotes' latest sessions, the timeline and the TLSRPT
 * counts, on addresses written every way the logs may hold them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "xmalloc.h"

#define NELEM(a)	(sizeof (a) / sizeof *(a))
#define HOUR		3600000LL
#define DAY		(24 * HOUR)

/*
 * summary_remote_label() as it was written first, allocating: the label
 * must stay what it was, whatever the code that makes it.
 */
static char *
old_remote_label(const struct session *s)
{
	const char *ep = s->remote_endpoint, *colon;

	if (s->remote_host != NULL)
		return xstrdup(s->remote_host);
	if (ep == NULL)
		return xstrdup("(unknown)");
	colon = strrchr(ep, ':');
	if (colon != NULL && (ep[0] == '[' ? colon[-1] == ']' :
	    strchr(ep, ':') == colon))
		return xstrndup(ep, (size_t)(colon - ep));
	return xstrdup(ep);
}

/* What the TLSRPT details name an endpoint as, written first. */
static char *
old_endpoint_ip(const char *ep)
{
	const char *colon;

	if (ep == NULL)
		return xstrdup("");
	colon = strrchr(ep, ':');
	if (ep[0] == '[' && colon != NULL && colon > ep && colon[-1] == ']')
		return xstrndup(ep + 1, (size_t)(colon - 1 - ep - 1));
	if (colon != NULL && strchr(ep, ':') == colon)
		return xstrndup(ep, (size_t)(colon - ep));
	return xstrdup(ep);
}

/* Endpoints as logs hold them, and some they should not. */
static const char *const endpoints[] = {
	"192.0.2.1:25", "192.0.2.1", "192.0.2.10:25", "192.0.2.1:26",
	"[::1]:25", "[::1]", "[2001:db8::1]:587", "2001:db8::1", "::1", ":25",
	"", "[", "[]", "[]:25", "[::1]:", "host:", "a:b:c", "[x]y:25", ":",
	"::", "[:", NULL,
};

static struct session *
new_session(const char *host, const char *ep, int64_t start)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->remote_host = host != NULL ? xstrdup(host) : NULL;
	s->remote_endpoint = ep != NULL ? xstrdup(ep) : NULL;
	s->start = s->end = start;
	return s;
}

static void
free_session(struct session *s)
{
	free(s->remote_host);
	free(s->remote_endpoint);
	free(s->local_endpoint);
	free(s->rcpt_domain);
	free(s);
}

static void
test_remote_label(void **state)
{
	struct session *s;
	char *got, *want;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(endpoints); i++) {
		s = new_session(NULL, endpoints[i], 0);
		got = summary_remote_label(s);
		want = old_remote_label(s);
		if (strcmp(got, want) != 0)
			print_error("endpoint \"%s\": label \"%s\", want "
			    "\"%s\"\n", endpoints[i] != NULL ? endpoints[i] :
			    "(null)", got, want);
		assert_string_equal(got, want);
		free(got);
		free(want);
		/* A host name wins over any endpoint. */
		free(s->remote_host);
		s->remote_host = xstrdup("mx.example.com");
		got = summary_remote_label(s);
		assert_string_equal(got, "mx.example.com");
		free(got);
		free_session(s);
	}
	/* Written out, not only compared: the usual ones. */
	s = new_session(NULL, "[::1]:25", 0);
	got = summary_remote_label(s);
	assert_string_equal(got, "[::1]");
	free(got);
	free(s->remote_endpoint);
	s->remote_endpoint = NULL;
	got = summary_remote_label(s);
	assert_string_equal(got, "(unknown)");
	free(got);
	free_session(s);
}

/* The remote of each session, as summary_session() keeps it. */
static void
test_session_remotes(void **state)
{
	struct summary *sum = summary_new(HOUR);
	struct summary_outcome o;
	struct session *s;
	char *want, *label;
	size_t i, j, k, n, last;

	(void)state;
	/* Each endpoint twice over, then all again: a remote's sessions
	 * come together, but not always. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < NELEM(endpoints); i++) {
			s = new_session(NULL, endpoints[i],
			    (int64_t)(k * 100 + i) * 1000);
			memset(&o, 0, sizeof o);
			o.rules[o.nrules++] = k == 0 ? "r0" : "r1";
			summary_session(sum, s, &o);
			summary_session(sum, s, &o);
			free_session(s);
		}
	for (i = 0; i < sum->nremotes; i++) {
		for (k = 0; k < i; k++)
			assert_string_not_equal(sum->remotes[i].remote,
			    sum->remotes[k].remote);
		/* The latest session and its rule, once. */
		assert_int_equal(sum->remotes[i].nrules, 1);
		assert_string_equal(sum->remotes[i].rules[0], "r1");
	}
	/*
	 * One remote per distinct label, in the order first met, with the
	 * start of the last session of that label.
	 */
	for (i = 0, k = 0; i < NELEM(endpoints); i++) {
		s = new_session(NULL, endpoints[i], 0);
		want = old_remote_label(s);
		free_session(s);
		if (k < sum->nremotes &&
		    strcmp(sum->remotes[k].remote, want) == 0)
			k++;
		for (j = 0; j < sum->nremotes; j++)
			if (strcmp(sum->remotes[j].remote, want) == 0)
				break;
		assert_true(j < sum->nremotes);
		for (last = i, n = i + 1; n < NELEM(endpoints); n++) {
			s = new_session(NULL, endpoints[n], 0);
			label = old_remote_label(s);
			free_session(s);
			if (strcmp(label, want) == 0)
				last = n;
			free(label);
		}
		if (sum->remotes[j].last_start != (int64_t)(100 + last) * 1000)
			print_error("remote %s: last start %lld, want %lld\n",
			    want, (long long)sum->remotes[j].last_start,
			    (long long)(100 + last) * 1000);
		assert_int_equal(sum->remotes[j].last_start,
		    (int64_t)(100 + last) * 1000);
		free(want);
	}
	assert_int_equal(k, sum->nremotes);
	assert_string_equal(sum->remotes[0].remote, "192.0.2.1");
	assert_string_equal(sum->remotes[1].remote, "192.0.2.10");
	/* The timeline: each session once, in its hour. */
	for (i = 0, k = 0; i < sum->nhours; i++)
		k += sum->hours[i].ok;
	assert_int_equal(k, 4 * NELEM(endpoints));
	summary_free(sum);
}

/* The policy of day and domain, or NULL. */
static const struct summary_policy *
find_policy(const struct summary *sum, int64_t day, const char *domain)
{
	size_t i;

	for (i = 0; i < sum->npolicies; i++)
		if (sum->policies[i].day == day &&
		    strcmp(sum->policies[i].domain, domain) == 0)
			return &sum->policies[i];
	return NULL;
}

/* How many policies the endpoints make, a day. */
static size_t
distinct_ips(void)
{
	char *ip[NELEM(endpoints)];
	size_t i, k, n = 0;

	for (i = 0; i < NELEM(endpoints); i++) {
		ip[i] = old_endpoint_ip(endpoints[i]);
		for (k = 0; k < i && strcmp(ip[k], ip[i]) != 0; k++)
			continue;
		n += k == i;
	}
	for (i = 0; i < NELEM(endpoints); i++)
		free(ip[i]);
	return n;
}

/*
 * TLSRPT: without a recipient domain or host name, a session counts under
 * its remote's address; a failure names both addresses.
 */
static void
test_session_tls(void **state)
{
	struct summary *sum = summary_new(HOUR);
	const struct summary_policy *p;
	struct summary_outcome o;
	struct session *s;
	char *rip, *lip;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(endpoints); i++) {
		/* Succeeded. */
		s = new_session(NULL, endpoints[i], 5 * HOUR);
		s->greeting_seen = s->starttls_offered = s->tls_up = 1;
		memset(&o, 0, sizeof o);
		summary_session(sum, s, &o);
		/* No STARTTLS offered, from a local address of the same
		 * shape, the day after. */
		s->start += DAY;
		s->starttls_offered = s->tls_up = 0;
		s->local_endpoint = endpoints[i] != NULL ?
		    xstrdup(endpoints[i]) : NULL;
		summary_session(sum, s, &o);

		rip = old_endpoint_ip(endpoints[i]);
		p = find_policy(sum, 0, rip);
		assert_non_null(p);
		assert_true(p->successful >= 1);
		p = find_policy(sum, DAY, rip);
		assert_non_null(p);
		assert_true(p->failed >= 1);
		lip = old_endpoint_ip(endpoints[i]);
		assert_true(p->ndetails >= 1);
		assert_string_equal(p->details[p->ndetails - 1].result_type,
		    "starttls-not-supported");
		assert_string_equal(p->details[p->ndetails - 1].receiving_ip,
		    rip);
		assert_string_equal(p->details[p->ndetails - 1].sending_ip,
		    lip);
		free(rip);
		free(lip);
		free_session(s);
	}
	assert_non_null(find_policy(sum, 0, "::1"));
	assert_non_null(find_policy(sum, 0, "2001:db8::1"));
	assert_non_null(find_policy(sum, 0, "192.0.2.1"));
	assert_non_null(find_policy(sum, 0, ""));

	/* A recipient domain, then a host name, wins over the address;
	 * domains come and go. */
	for (i = 0; i < 6; i++) {
		s = new_session(i % 3 == 2 ? "mx1.fabrikam.com" : NULL,
		    "[::1]:25", 7 * HOUR);
		s->rcpt_domain = i % 3 == 0 ? xstrdup("contoso.com") :
		    i % 3 == 1 ? xstrdup("woodgrove.com") : NULL;
		s->local_endpoint = xstrdup("10.0.0.1:1234");
		s->greeting_seen = 1;
		memset(&o, 0, sizeof o);
		o.tls_type = "certificate-expired";
		snprintf(o.tls_reason, sizeof o.tls_reason, "Expired");
		summary_session(sum, s, &o);
		free_session(s);
	}
	p = find_policy(sum, 0, "contoso.com");
	assert_non_null(p);
	assert_int_equal(p->failed, 2);
	assert_int_equal(p->ndetails, 1);
	assert_int_equal(p->details[0].count, 2);
	assert_string_equal(p->details[0].receiving_ip, "::1");
	assert_string_equal(p->details[0].sending_ip, "10.0.0.1");
	assert_string_equal(p->details[0].reason, "Expired");
	assert_int_equal(find_policy(sum, 0, "woodgrove.com")->failed, 2);
	p = find_policy(sum, 0, "fabrikam.com");
	assert_non_null(p);
	assert_int_equal(p->failed, 2);
	assert_string_equal(p->details[0].mx_host, "mx1.fabrikam.com");
	assert_int_equal(sum->npolicies, 2 * distinct_ips() + 3);

	/* Neither: STARTTLS offered and not used, or no reply at all. */
	s = new_session("mx.nowhere.example", "192.0.2.9:25", 0);
	s->greeting_seen = s->starttls_offered = 1;
	memset(&o, 0, sizeof o);
	summary_session(sum, s, &o);
	s->greeting_seen = s->starttls_offered = 0;
	summary_session(sum, s, &o);
	free_session(s);
	assert_null(find_policy(sum, 0, "nowhere.example"));
	summary_free(sum);
}

/* The timeline, hours met again out of order. */
static void
test_session_hours(void **state)
{
	static const int64_t starts[] = { 0, 10, 2 * HOUR, 2 * HOUR + 1, 5,
	    -1, -HOUR, 2 * HOUR, 0 };
	struct summary *sum = summary_new(HOUR);
	struct summary_outcome o;
	struct session *s;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(starts); i++) {
		s = new_session("mx.example.com", NULL, starts[i]);
		memset(&o, 0, sizeof o);
		o.failing = i % 2;
		summary_session(sum, s, &o);
		free_session(s);
	}
	summary_finish(sum);
	assert_int_equal(sum->nhours, 3);
	assert_int_equal(sum->hours[0].hour, -HOUR);
	assert_int_equal(sum->hours[0].ok + sum->hours[0].failing, 2);
	assert_int_equal(sum->hours[1].hour, 0);
	assert_int_equal(sum->hours[1].ok, 3);
	assert_int_equal(sum->hours[1].failing, 1);
	assert_int_equal(sum->hours[2].hour, 2 * HOUR);
	assert_int_equal(sum->hours[2].ok + sum->hours[2].failing, 3);
	summary_free(sum);
}

/*
 * The hour and day of a session's start, as the plain division gives
 * them, whatever the hour and day of the session before: starts at
 * random around and across the edges of hours and days, before and
 * after 1970, the largest and near the smallest.
 */
static int64_t
plain_start(int64_t t, int64_t unit)
{
	return t - ((t % unit) + unit) % unit;
}

static void
test_session_units(void **state)
{
	struct summary *sum = summary_new(HOUR);
	const struct summary_policy *p;
	struct summary_outcome o;
	struct session *s;
	int64_t t, hours[64], days[64];
	unsigned long nhour[64], nday[64], rnd = 7;
	size_t i, k, nh = 0, nd = 0;

	(void)state;
	memset(&o, 0, sizeof o);
	for (i = 0; i < 4000; i++) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		t = (int64_t)(rnd >> 40) % 4 * HOUR * 7 - 5 * DAY / 4;
		t += (rnd >> 20 & 1) ? (int64_t)(rnd >> 24 & 3) - 2 :
		    (int64_t)(rnd >> 24) % HOUR;
		if (i % 97 == 0)
			t = INT64_MAX - (int64_t)(i % 3);
		if (i % 89 == 0)
			t = INT64_MIN + 2 * DAY + (int64_t)i;
		s = new_session("mx.example.com", NULL, t);
		s->rcpt_domain = xstrdup("example.com");
		s->greeting_seen = s->starttls_offered = s->tls_up = 1;
		summary_session(sum, s, &o);
		free_session(s);
		for (k = 0; k < nh && hours[k] != plain_start(t, HOUR); k++)
			;
		if (k == nh) {
			assert_true(nh < NELEM(hours));
			hours[nh] = plain_start(t, HOUR);
			nhour[nh++] = 0;
		}
		nhour[k]++;
		for (k = 0; k < nd && days[k] != plain_start(t, DAY); k++)
			;
		if (k == nd) {
			assert_true(nd < NELEM(days));
			days[nd] = plain_start(t, DAY);
			nday[nd++] = 0;
		}
		nday[k]++;
	}
	assert_int_equal(sum->nhours, nh);
	for (k = 0; k < nh; k++)
		for (i = 0; i < sum->nhours; i++)
			if (sum->hours[i].hour == hours[k])
				assert_int_equal(sum->hours[i].ok, nhour[k]);
	assert_int_equal(sum->npolicies, nd);
	for (k = 0; k < nd; k++) {
		p = find_policy(sum, days[k], "example.com");
		assert_non_null(p);
		assert_int_equal(p->successful, nday[k]);
	}
	summary_free(sum);
}

/*
 * A session's TLSRPT policy (day and domain) is looked for first where its
 * remote's last session had its own: on sessions of a few remotes whose
 * days and recipient domains change now and then, each policy must count
 * just its own sessions, and each once.
 */
static void
test_policy_by_remote(void **state)
{
	static const char *const hosts[] = {
		"mx1.contoso.com", "mx2.contoso.com", "mail.fabrikam.com",
	};
	static const char *const domains[] = {
		"contoso.com", "fabrikam.com", "woodgrove.com",
	};
	struct summary *sum = summary_new(HOUR);
	const struct summary_policy *p;
	struct summary_outcome o;
	struct session *s;
	unsigned long want[3][3][2], rnd = 5;	/* day, domain, ok */
	size_t i, h, d, day, ok, n = 0;

	(void)state;
	memset(want, 0, sizeof want);
	memset(&o, 0, sizeof o);
	for (i = 0; i < 5000; i++) {
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		h = (rnd >> 33) % NELEM(hosts);
		/* mostly the remote's own domain and day 0 */
		d = (rnd >> 40) % 4 == 0 ? (rnd >> 44) % 3 : h % 3;
		day = (rnd >> 50) % 5 == 0 ? (rnd >> 53) % 3 : 0;
		ok = (rnd >> 56) & 1;
		s = new_session(hosts[h], "192.0.2.1:25",
		    (int64_t)day * DAY + (int64_t)i);
		s->rcpt_domain = xstrdup(domains[d]);
		s->greeting_seen = 1;
		/* else starttls-not-supported: failed */
		s->starttls_offered = s->tls_up = (int)ok;
		summary_session(sum, s, &o);
		free_session(s);
		want[day][d][ok]++;
	}
	for (day = 0; day < 3; day++)
		for (d = 0; d < 3; d++) {
			p = find_policy(sum, (int64_t)day * DAY, domains[d]);
			if (want[day][d][0] + want[day][d][1] == 0) {
				assert_null(p);
				continue;
			}
			assert_non_null(p);
			assert_int_equal(p->successful, want[day][d][1]);
			assert_int_equal(p->failed, want[day][d][0]);
			n++;
		}
	/* No policy twice, none but those counted. */
	assert_int_equal(sum->npolicies, n);
	summary_free(sum);
}

/*
 * Findings go to one group by severity, rule, connector and remote, and
 * to another when any of them differs, even where the strings run on
 * into each other ("ab" "c" and "a" "bc"); and so when a summary is
 * merged into another.
 */
static void
test_finding_groups(void **state)
{
	static const struct {
		enum severity	 sev;
		const char	*rule, *connector, *host;
		size_t		 group;		/* its index, as made */
	} cases[] = {
		{ SEV_ERROR, "ab", "c", "h1", 0 },
		{ SEV_ERROR, "a", "bc", "h1", 1 },
		{ SEV_WARNING, "ab", "c", "h1", 2 },
		{ SEV_ERROR, "ab", "c", "h1", 0 },
		{ SEV_ERROR, "ab", "", "ch1", 3 },
		{ SEV_ERROR, "ab", "c", "h2", 4 },
		{ SEV_ERROR, "abc", "", "h1", 5 },
		{ SEV_INFO, "ab", "c", "h1", 6 },
		{ SEV_ERROR, "a", "bc", "h1", 1 },
	};
	struct summary *sum[2], *into;
	struct finding f;
	struct session *s;
	size_t i, k, want[7] = { 0 };
	char id[] = "08D60D0150065FBC";

	(void)state;
	for (k = 0; k < 2; k++) {
		sum[k] = summary_new(HOUR);
		for (i = 0; i < NELEM(cases); i++) {
			s = new_session(cases[i].host, NULL, (int64_t)i);
			s->id = id;
			s->connector = xstrdup(cases[i].connector);
			memset(&f, 0, sizeof f);
			f.rule = cases[i].rule;
			f.severity = cases[i].sev;
			f.title = "t";
			f.message = "m";
			f.onset = -1;
			summary_finding(sum[k], &f, s);
			free(s->connector);
			free_session(s);
			if (k == 0)
				want[cases[i].group]++;
		}
		assert_int_equal(sum[k]->ngroups, NELEM(want));
		for (i = 0; i < NELEM(cases); i++) {
			const struct summary_group *g =
			    sum[k]->groups[cases[i].group];

			assert_int_equal(g->severity, cases[i].sev);
			assert_string_equal(g->rule, cases[i].rule);
			assert_string_equal(g->connector, cases[i].connector);
			assert_string_equal(g->remote, cases[i].host);
			assert_int_equal(g->sessions, want[cases[i].group]);
		}
	}
	into = summary_new(HOUR);
	summary_merge(into, sum[0]);
	summary_merge(into, sum[1]);
	assert_int_equal(into->ngroups, NELEM(want));
	for (i = 0; i < NELEM(want); i++) {
		assert_string_equal(into->groups[i]->rule,
		    sum[0]->groups[i]->rule);
		assert_int_equal(into->groups[i]->sessions, 2 * want[i]);
	}
	summary_free(into);
	summary_free(sum[0]);
	summary_free(sum[1]);
}

/* The time from one row to the next, of a pseudo-random number. */
static int64_t
row_step(unsigned long rnd)
{
	switch ((rnd >> 40) % 16) {
	case 0:
		return HOUR + 1 + (int64_t)((rnd >> 20) % HOUR);
	case 1:		/* the gap, or just more */
		return HOUR + (int64_t)((rnd >> 20) % 2);
	case 2:
		return -(int64_t)((rnd >> 20) % (HOUR / 4));
	case 3:
		return (rnd >> 50) % 8 == 0 ? -2 * DAY : 0;
	default:
		return (int64_t)((rnd >> 20) % 60000);
	}
}

/*
 * The same, each run of rows alone in a summary of its own: the first
 * and last times of every run must be right, not only the least and
 * the greatest of all.
 */
static void
test_rows_batched_alone(void **state)
{
	struct summary *sum[2];
	struct summary_rows b;
	unsigned long rnd = 78;
	int64_t t = 0;
	size_t run, i, n, k;

	(void)state;
	for (run = 0; run < 2000; run++) {
		for (k = 0; k < 2; k++)
			sum[k] = summary_new(HOUR);
		memset(&b, 0, sizeof b);
		b.folder = "mbx01";
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		n = (rnd >> 33) % 20;
		for (i = 0; i < n; i++) {
			rnd = rnd * 6364136223846793005UL +
			    1442695040888963407UL;
			t += row_step(rnd);
			summary_row(sum[0], b.folder, t);
			summary_rows_add(sum[1], &b, t);
		}
		summary_rows_end(sum[1], &b);
		assert_int_equal(sum[0]->nfolders, sum[1]->nfolders);
		if (n > 0) {
			assert_true(sum[0]->folders[0].first ==
			    sum[1]->folders[0].first);
			assert_true(sum[0]->folders[0].last ==
			    sum[1]->folders[0].last);
			assert_int_equal(sum[0]->folders[0].nrows_gaps,
			    sum[1]->folders[0].nrows_gaps);
		}
		for (k = 0; k < 2; k++)
			summary_free(sum[k]);
	}
}

/*
 * summary_rows_add() gives the folder the times and gaps that summary_row()
 * on each row gives, on runs of rows of one folder, files after files:
 * times mostly a little later, sometimes earlier, now and then after
 * more than the gap (or just the gap), some before it all, from a fixed
 * pseudo-random sequence, with the summary's own rows between the runs.
 */
static void
test_rows_batched(void **state)
{
	static const char *const folders[] = { "mbx01", "mbx02" };
	struct summary *sum[2];
	struct summary_rows b;
	unsigned long rnd = 77;
	int64_t t = 0;
	size_t run, i, n, k, g;

	(void)state;
	for (k = 0; k < 2; k++)
		sum[k] = summary_new(HOUR);
	for (run = 0; run < 400; run++) {
		memset(&b, 0, sizeof b);
		b.folder = folders[run % 3 == 0];
		rnd = rnd * 6364136223846793005UL + 1442695040888963407UL;
		n = (rnd >> 33) % 50;
		for (i = 0; i < n; i++) {
			rnd = rnd * 6364136223846793005UL +
			    1442695040888963407UL;
			t += row_step(rnd);
			summary_row(sum[0], b.folder, t);
			summary_rows_add(sum[1], &b, t);
		}
		summary_rows_end(sum[1], &b);
		if (run % 7 == 0)	/* a row of the other folder */
			for (k = 0; k < 2; k++)
				summary_row(sum[k], folders[run % 2], t);
	}
	assert_int_equal(sum[0]->nfolders, sum[1]->nfolders);
	for (i = 0; i < sum[0]->nfolders; i++) {
		const struct summary_folder *f0 = &sum[0]->folders[i],
		    *f1 = &sum[1]->folders[i];

		assert_string_equal(f0->folder, f1->folder);
		assert_int_equal(f0->have_rows, f1->have_rows);
		assert_true(f0->first == f1->first);
		assert_true(f0->last == f1->last);
		assert_int_equal(f0->nrows_gaps, f1->nrows_gaps);
		assert_int_equal(f0->more_rows_gaps, f1->more_rows_gaps);
		assert_true(f0->nrows_gaps > 10);
		for (g = 0; g < f0->nrows_gaps; g++) {
			assert_true(f0->rows_gaps[g].from ==
			    f1->rows_gaps[g].from);
			assert_true(f0->rows_gaps[g].to == f1->rows_gaps[g].to);
		}
	}
	for (k = 0; k < 2; k++)
		summary_free(sum[k]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remote_label),
		cmocka_unit_test(test_session_remotes),
		cmocka_unit_test(test_session_tls),
		cmocka_unit_test(test_session_hours),
		cmocka_unit_test(test_finding_groups),
		cmocka_unit_test(test_policy_by_remote),
		cmocka_unit_test(test_session_units),
		cmocka_unit_test(test_rows_batched),
		cmocka_unit_test(test_rows_batched_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

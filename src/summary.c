/*
 * summary.c: groups, timeline, coverage, remotes and TLSRPT counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ehlo.h"
#include "strmap.h"
#include "summary.h"
#include "xmalloc.h"

#define HOUR_MS	3600000LL
#define DAY_MS	86400000LL

struct summary *
summary_new(int64_t gap)
{
	struct summary *sum = xcalloc(1, sizeof *sum);

	sum->gap = gap;
	sum->since = sum->until = -1;
	sum->try_policy = (size_t)-1;
	sum->group_index = strmap_new();
	sum->hour_index = strmap_new();
	sum->folder_index = strmap_new();
	sum->remote_index = strmap_new();
	sum->policy_index = strmap_new();
	return sum;
}

static void
free_example(struct summary_example *x)
{
	int k;

	free(x->id);
	free(x->message);
	for (k = 0; k < x->nevidence; k++)
		free(x->evidence[k].text);
	free(x->evidence);
}

static void
free_detail(struct summary_tls_detail *d)
{
	free(d->result_type);
	free(d->sending_ip);
	free(d->receiving_ip);
	free(d->mx_helo);
	free(d->mx_host);
	free(d->reason);
}

void
summary_free(struct summary *sum)
{
	size_t i, j;

	if (sum == NULL)
		return;
	for (i = 0; i < sum->ngroups; i++) {
		struct summary_group *g = sum->groups[i];

		free(g->rule);
		free(g->title);
		free(g->connector);
		free(g->remote);
		free(g->hint);
		for (j = 0; j < g->nips; j++)
			free(g->ips[j]);
		free_example(&g->example);
		free(g);
	}
	for (i = 0; i < sum->nfolders; i++)
		free(sum->folders[i].folder);
	for (i = 0; i < sum->nremotes; i++) {
		free(sum->remotes[i].remote);
		for (j = 0; j < sum->remotes[i].nrules; j++)
			free(sum->remotes[i].rules[j]);
		free(sum->remotes[i].rules);
	}
	for (i = 0; i < sum->npolicies; i++) {
		free(sum->policies[i].domain);
		for (j = 0; j < sum->policies[i].ndetails; j++)
			free_detail(&sum->policies[i].details[j]);
		free(sum->policies[i].details);
	}
	free(sum->groups);
	free(sum->hours);
	free(sum->folders);
	free(sum->remotes);
	free(sum->policies);
	strmap_free(sum->group_index);
	strmap_free(sum->hour_index);
	strmap_free(sum->folder_index);
	strmap_free(sum->remote_index);
	strmap_free(sum->policy_index);
	free(sum);
}

/* Grow an array of n elements of size sz by one; returns the new one. */
static void *
append(void *arrayp, size_t *n, size_t sz)
{
	char **array = arrayp;

	*array = xreallocarray(*array, *n + 1, sz);
	memset(*array + *n * sz, 0, sz);
	return *array + (*n)++ * sz;
}

/* ---- coverage ---- */

static struct summary_folder *
folder(struct summary *sum, const char *name)
{
	size_t i = strmap_get(sum->folder_index, name, strlen(name));
	struct summary_folder *f;

	if (i != (size_t)-1)
		return &sum->folders[i];
	strmap_put(sum->folder_index, name, strlen(name), sum->nfolders);
	f = append(&sum->folders, &sum->nfolders, sizeof *f);
	f->folder = xstrdup(name);
	return f;
}

void
summary_add_gap(struct summary *sum, const char *name, int64_t from,
    int64_t to)
{
	struct summary_folder *f = folder(sum, name);

	if (f->nrows_gaps == SUMMARY_GAPS) {
		f->more_rows_gaps++;
		return;
	}
	f->rows_gaps[f->nrows_gaps].from = from;
	f->rows_gaps[f->nrows_gaps++].to = to;
}

/* summary_row() for a row that does more than move its folder's times. */
void
summary_row_slow(struct summary *sum, const char *name, int64_t time)
{
	struct summary_folder *f;

	/* Rows come a folder at a time: look it up once. */
	if (name != sum->row_folder) {
		f = folder(sum, name);
		sum->row_folder = name;
		sum->row_index = (size_t)(f - sum->folders);
	}
	f = &sum->folders[sum->row_index];

	if (!f->have_rows) {
		f->have_rows = 1;
		f->first = f->last = time;
		return;
	}
	/* Rows come in time order but for a little jitter: a gap is time
	 * beyond the latest row so far with no row at all. */
	if (time - f->last > sum->gap)
		summary_add_gap(sum, name, f->last, time);
	if (time > f->last)
		f->last = time;
	if (time < f->first)
		f->first = time;
}

void
summary_folder_seen(struct summary *sum, const char *name)
{
	(void)folder(sum, name);
}

void
summary_file(struct summary *sum, const char *name)
{
	folder(sum, name)->files++;
}

void
summary_add_folder(struct summary *sum, const char *name, unsigned long files,
    int64_t first, int64_t last)
{
	struct summary_folder *f = folder(sum, name);

	f->files += files;
	if (first > last)
		return;
	if (!f->have_rows || first < f->first)
		f->first = first;
	if (!f->have_rows || last > f->last)
		f->last = last;
	f->have_rows = 1;
}

/*
 * summary_rows_add() for its first row, or one that may be a gap: the
 * summary has the rows before, and then this one by summary_row().
 */
void
summary_rows_slow(struct summary *sum, struct summary_rows *b, int64_t time)
{
	if (b->n > 1) {
		/* first <= last: a row before the last is no gap */
		if (time < b->last) {
			if (time < b->first)
				b->first = time;
			return;
		}
		summary_add_folder(sum, b->folder, 0, b->first, b->last);
	}
	summary_row(sum, b->folder, time);
	if (b->n == 1 || time > b->last)
		b->last = time;
	if (b->n == 1 || time < b->first)
		b->first = time;
	b->within = (uint64_t)sum->gap + 1;
}

void
summary_rows_end(struct summary *sum, struct summary_rows *b)
{
	if (b->n > 0)
		summary_add_folder(sum, b->folder, 0, b->first, b->last);
}

/* ---- groups ---- */

/*
 * The remote as reports name it, as a piece of s's own strings (nothing
 * to allocate or free per session): its length goes to *lenp.
 */
static const char *
remote_label(const struct session *s, size_t *lenp)
{
	const char *ep = s->remote_endpoint, *colon;

	if (s->remote_host != NULL) {
		*lenp = strlen(s->remote_host);
		return s->remote_host;
	}
	if (ep == NULL) {
		*lenp = sizeof "(unknown)" - 1;
		return "(unknown)";
	}
	/* "1.2.3.4:25" -> "1.2.3.4"; "[::1]:25" -> "[::1]" */
	colon = strrchr(ep, ':');
	if (colon != NULL && (ep[0] == '[' ? colon[-1] == ']' :
	    strchr(ep, ':') == colon))
		*lenp = (size_t)(colon - ep);
	else
		*lenp = strlen(ep);
	return ep;
}

char *
summary_remote_label(const struct session *s)
{
	const char *label;
	size_t len;

	label = remote_label(s, &len);
	return xstrndup(label, len);
}

static char *
endpoint_ip(const char *ep)
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

/* Fill x with copies of what it is to keep of a session. */
static void
fill_example(struct summary_example *x, const char *id, const char *message,
    const char *file, unsigned long line, int complete,
    const struct evidence *evidence, int nevidence, unsigned dropped)
{
	int k;

	x->id = xstrdup(id);
	x->message = xstrdup(message);
	x->file = file;
	x->line = line;
	x->complete = complete;
	x->nevidence = nevidence;
	x->evidence_dropped = dropped;
	x->evidence = xcalloc((size_t)nevidence + 1, sizeof *x->evidence);
	for (k = 0; k < nevidence; k++) {
		x->evidence[k] = evidence[k];
		x->evidence[k].text = xstrndup(evidence[k].text,
		    evidence[k].textlen);
	}
}

static void
set_example(struct summary_example *x, const struct finding *f,
    const struct session *s)
{
	fill_example(x, s->id, f->message, s->file, s->line, s->complete,
	    s->evidence, s->nevidence, s->evidence_dropped);
}

static void
add_ip(struct summary_group *g, const char *ep)
{
	char *ip = endpoint_ip(ep);
	size_t i;

	for (i = 0; i < g->nips; i++)
		if (strcmp(g->ips[i], ip) == 0) {
			free(ip);
			return;
		}
	if (ip[0] == '\0' || g->nips == SUMMARY_GROUP_IPS) {
		if (ip[0] != '\0')
			g->more_ips++;
		free(ip);
		return;
	}
	g->ips[g->nips++] = ip;
}

/*
 * A group's key: the bytes of its severity, then its rule, connector and
 * remote, each after a NUL (none of them has one).  Its length to *np.
 */
static char *
group_key(enum severity severity, const char *rule, const char *connector,
    const char *remote, size_t *np)
{
	size_t nr = strlen(rule), nc = strlen(connector), nm = strlen(remote);
	int sev = (int)severity;
	char *key, *p;

	*np = sizeof sev + nr + 1 + nc + 1 + nm;
	p = key = xmalloc(*np);
	memcpy(p, &sev, sizeof sev);
	p += sizeof sev;
	memcpy(p, rule, nr + 1);
	p += nr + 1;
	memcpy(p, connector, nc + 1);
	p += nc + 1;
	memcpy(p, remote, nm);
	return key;
}

void
summary_finding(struct summary *sum, const struct finding *f,
    const struct session *s)
{
	const char *connector = s->connector != NULL ? s->connector : "";
	char *remote = summary_remote_label(s), *key;
	struct summary_group *g;
	size_t i, n;

	sum->findings++;
	key = group_key(f->severity, f->rule, connector, remote, &n);
	i = strmap_get(sum->group_index, key, n);
	if (i == (size_t)-1) {
		strmap_put(sum->group_index, key, n, sum->ngroups);
		g = xcalloc(1, sizeof *g);
		g->rule = xstrdup(f->rule);
		g->title = xstrdup(f->title != NULL ? f->title : "");
		g->connector = xstrdup(connector);
		g->remote = remote;
		remote = NULL;
		g->severity = f->severity;
		g->first = s->start;
		g->last = s->end;
		g->last_start = s->start;
		g->onset = f->onset;
		g->hint = f->hint != NULL ? xstrdup(f->hint) : NULL;
		set_example(&g->example, f, s);
		*(struct summary_group **)append(&sum->groups, &sum->ngroups,
		    sizeof g) = g;
	} else
		g = sum->groups[i];
	free(key);
	free(remote);
	g->sessions++;
	g->messages += s->messages_attempted;
	add_ip(g, s->remote_endpoint);
	if (s->start < g->first) {
		g->first = s->start;
		g->onset = f->onset;	/* as seen by the first failure */
	}
	if (s->end > g->last)
		g->last = s->end;
	if (s->start > g->last_start)
		g->last_start = s->start;
	if (g->hint == NULL && f->hint != NULL)
		g->hint = xstrdup(f->hint);
}

/* ---- timeline ---- */

void
summary_add_hour(struct summary *sum, int64_t hour, unsigned long ok,
    unsigned long failing)
{
	struct summary_hour *h;
	size_t i = sum->last_hour;

	/* The key: the bytes of the number. */
	if (i >= sum->nhours || sum->hours[i].hour != hour)
		i = strmap_get(sum->hour_index, (const char *)&hour,
		    sizeof hour);
	if (i == (size_t)-1) {
		strmap_put(sum->hour_index, (const char *)&hour, sizeof hour,
		    sum->nhours);
		h = append(&sum->hours, &sum->nhours, sizeof *h);
		h->hour = hour;
	} else
		h = &sum->hours[i];
	sum->last_hour = (size_t)(h - sum->hours);
	h->ok += ok;
	h->failing += failing;
}

/* ---- remotes ---- */

/*
 * summary_add_remote() of the first len bytes of remote; returns its
 * entry, valid until the next remote is added.
 */
static struct summary_remote *
add_remote(struct summary *sum, const char *remote, size_t len,
    int64_t last_start, const char *const *rules, size_t n)
{
	size_t i = strmap_get(sum->remote_index, remote, len), k;
	struct summary_remote *r;

	if (i == (size_t)-1) {
		strmap_put(sum->remote_index, remote, len, sum->nremotes);
		r = append(&sum->remotes, &sum->nremotes, sizeof *r);
		r->remote = xstrndup(remote, len);
	} else {
		r = &sum->remotes[i];
		if (last_start < r->last_start)
			return r;
		if (last_start > r->last_start) {
			for (k = 0; k < r->nrules; k++)
				free(r->rules[k]);
			r->nrules = 0;
		}
	}
	r->last_start = last_start;
	for (k = 0; k < n; k++) {
		size_t j;

		for (j = 0; j < r->nrules; j++)
			if (strcmp(r->rules[j], rules[k]) == 0)
				break;
		if (j == r->nrules)
			*(char **)append(&r->rules, &r->nrules,
			    sizeof(char *)) = xstrdup(rules[k]);
	}
	return r;
}

void
summary_add_remote(struct summary *sum, const char *remote,
    int64_t last_start, const char *const *rules, size_t n)
{
	add_remote(sum, remote, strlen(remote), last_start, rules, n);
}

/* ---- TLSRPT ---- */

static struct summary_policy *
policy(struct summary *sum, int64_t day, const char *domain)
{
	char buf[256], *key = buf;
	size_t i, len, n;
	struct summary_policy *p;

	/* The one its remote's last session had, mostly; or the last. */
	if (sum->try_policy < sum->npolicies) {
		p = &sum->policies[sum->try_policy];
		if (p->day == day && strcmp(p->domain, domain) == 0) {
			sum->last_policy = sum->try_policy;
			return p;
		}
	}
	if (sum->last_policy < sum->npolicies &&
	    sum->last_policy != sum->try_policy) {
		p = &sum->policies[sum->last_policy];
		if (p->day == day && strcmp(p->domain, domain) == 0)
			return p;
	}
	/* The key: the bytes of the day, then the domain. */
	len = strlen(domain);
	n = sizeof day + len;
	if (n > sizeof buf)
		key = xmalloc(n);
	memcpy(key, &day, sizeof day);
	memcpy(key + sizeof day, domain, len);
	i = strmap_get(sum->policy_index, key, n);
	if (i == (size_t)-1) {
		strmap_put(sum->policy_index, key, n, sum->npolicies);
		p = append(&sum->policies, &sum->npolicies, sizeof *p);
		p->day = day;
		p->domain = xstrdup(domain);
	} else
		p = &sum->policies[i];
	if (key != buf)
		free(key);
	sum->last_policy = (size_t)(p - sum->policies);
	return p;
}

void
summary_add_tls(struct summary *sum, int64_t day, const char *domain,
    unsigned long successful, unsigned long failed)
{
	struct summary_policy *p = policy(sum, day, domain);

	p->successful += successful;
	p->failed += failed;
}

void
summary_add_tls_detail(struct summary *sum, int64_t day, const char *domain,
    const struct summary_tls_key *k, unsigned long count)
{
	struct summary_policy *p = policy(sum, day, domain);
	struct summary_tls_detail *x;
	size_t i;

	for (i = 0; i < p->ndetails; i++) {
		x = &p->details[i];
		if (strcmp(x->result_type, k->result_type) == 0 &&
		    strcmp(x->sending_ip, k->sending_ip) == 0 &&
		    strcmp(x->receiving_ip, k->receiving_ip) == 0 &&
		    strcmp(x->mx_helo, k->mx_helo) == 0 &&
		    strcmp(x->mx_host, k->mx_host) == 0 &&
		    strcmp(x->reason, k->reason) == 0) {
			x->count += count;
			return;
		}
	}
	x = append(&p->details, &p->ndetails, sizeof *x);
	x->result_type = xstrdup(k->result_type);
	x->sending_ip = xstrdup(k->sending_ip);
	x->receiving_ip = xstrdup(k->receiving_ip);
	x->mx_helo = xstrdup(k->mx_helo);
	x->mx_host = xstrdup(k->mx_host);
	x->reason = xstrdup(k->reason);
	x->count = count;
}

/* "mx1.fabrikam.com" -> "fabrikam.com"; a name of two labels stays. */
static const char *
host_domain(const char *host)
{
	const char *dot = strchr(host, '.');

	return dot != NULL && strchr(dot + 1, '.') != NULL ? dot + 1 : host;
}

static const char *
attr(const struct finding *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nattrs; i++)
		if (strcmp(f->attrs[i].name, name) == 0)
			return f->attrs[i].value;
	return NULL;
}

void
summary_outcome_add(struct summary_outcome *o, const struct finding *f)
{
	const char *reason;

	if (f->severity != SEV_INFO)
		o->failing = 1;
	if (o->nrules < sizeof o->rules / sizeof *o->rules)
		o->rules[o->nrules++] = f->rule;
	if (o->tls_type == NULL && f->tlsrpt != NULL) {
		o->tls_type = f->tlsrpt;
		if ((reason = attr(f, "tls_error")) == NULL)
			reason = attr(f, "auth_error");
		snprintf(o->tls_reason, sizeof o->tls_reason, "%s",
		    reason != NULL ? reason : "");
	}
}

/*
 * The start of the unit (an hour, a day) that t falls in, which *at is
 * of the one before (0 at first): most sessions fall in the same one, and
 * two divisions are dearer than two comparisons.
 */
static inline int64_t
start_of(int64_t t, int64_t unit, int64_t *at)
{
	if (t >= *at && (uint64_t)t - (uint64_t)*at < (uint64_t)unit)
		return *at;
	return *at = t - ((t % unit) + unit) % unit;
}

/*
 * One session in RFC 8460 terms: successful when TLS came up with no
 * failure found; failed with the result type of the first finding that
 * has one, or starttls-not-supported when the EHLO/HELO reply lacked
 * STARTTLS; neither when it never got a reply (never connected) or when
 * STARTTLS was offered and not used.
 */
static void
tls_session(struct summary *sum, const struct session *s,
    const struct summary_outcome *o)
{
	struct summary_tls_key k;
	const char *type = o->tls_type, *domain;
	char *sending, *receiving = NULL, helo[256];
	int64_t day;

	if (!s->greeting_seen && !s->tls_up)
		return;
	if (type == NULL && !s->starttls_offered)
		type = "starttls-not-supported";
	if (type == NULL && !s->tls_up)
		return;
	day = start_of(s->start, DAY_MS, &sum->at_day);
	/* The addresses are copied only when needed, which is seldom. */
	if (s->rcpt_domain != NULL)
		domain = s->rcpt_domain;
	else if (s->remote_host != NULL)
		domain = host_domain(s->remote_host);
	else
		domain = receiving = endpoint_ip(s->remote_endpoint);
	if (type == NULL) {
		summary_add_tls(sum, day, domain, 1, 0);
		free(receiving);
		return;
	}
	summary_add_tls(sum, day, domain, 0, 1);
	if (receiving == NULL)
		receiving = endpoint_ip(s->remote_endpoint);
	sending = endpoint_ip(s->local_endpoint);
	k.result_type = type;
	k.sending_ip = sending;
	k.receiving_ip = receiving;
	k.mx_helo = ehlo_host_name(s->ehlo.greeting, strlen(s->ehlo.greeting),
	    helo, sizeof helo) != NULL ? helo : "";
	k.mx_host = s->remote_host != NULL ? s->remote_host : "";
	k.reason = type == o->tls_type ? o->tls_reason : "";
	summary_add_tls_detail(sum, day, domain, &k, 1);
	free(sending);
	free(receiving);
}

void
summary_session(struct summary *sum, const struct session *s,
    const struct summary_outcome *o)
{
	struct summary_remote *r;
	const char *remote;
	size_t len;

	summary_add_hour(sum, start_of(s->start, HOUR_MS, &sum->at_hour),
	    !o->failing, o->failing);
	remote = remote_label(s, &len);
	r = add_remote(sum, remote, len, s->start, o->rules, o->nrules);
	sum->try_policy = r->policy;
	tls_session(sum, s, o);
	r->policy = sum->last_policy;
	sum->try_policy = (size_t)-1;
}

/* ---- the end ---- */

static int
group_cmp(const void *a, const void *b)
{
	const struct summary_group *x = *(struct summary_group *const *)a;
	const struct summary_group *y = *(struct summary_group *const *)b;
	int c;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if ((c = strcmp(x->rule, y->rule)) != 0 ||
	    (c = strcmp(x->connector, y->connector)) != 0)
		return c;
	if (x->sessions != y->sessions)
		return x->sessions > y->sessions ? -1 : 1;
	return strcmp(x->remote, y->remote);
}

static int
hour_cmp(const void *a, const void *b)
{
	const struct summary_hour *x = a, *y = b;

	return x->hour < y->hour ? -1 : x->hour > y->hour;
}

static int
remote_cmp(const void *a, const void *b)
{
	return strcmp(((const struct summary_remote *)a)->remote,
	    ((const struct summary_remote *)b)->remote);
}

static int
detail_cmp(const void *a, const void *b)
{
	const struct summary_tls_detail *x = a, *y = b;
	int c;

	if ((c = strcmp(x->result_type, y->result_type)) != 0 ||
	    (c = strcmp(x->receiving_ip, y->receiving_ip)) != 0 ||
	    (c = strcmp(x->mx_helo, y->mx_helo)) != 0 ||
	    (c = strcmp(x->mx_host, y->mx_host)) != 0 ||
	    (c = strcmp(x->sending_ip, y->sending_ip)) != 0)
		return c;
	return strcmp(x->reason, y->reason);
}

static int
policy_cmp(const void *a, const void *b)
{
	const struct summary_policy *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return strcmp(x->domain, y->domain);
}

static int
gap_cmp(const void *a, const void *b)
{
	const struct summary_gap *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* qsort, which may not be given a NULL array even of no elements. */
static void
sort(void *base, size_t n, size_t size, int (*cmp)(const void *,
    const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void
add_gap(struct summary_folder *f, int64_t from, int64_t to)
{
	if (f->ngaps == sizeof f->gaps / sizeof *f->gaps) {
		f->more_gaps++;
		return;
	}
	f->gaps[f->ngaps].from = from;
	f->gaps[f->ngaps++].to = to;
}

void
summary_finish(struct summary *sum)
{
	size_t i, j;

	sort(sum->groups, sum->ngroups, sizeof *sum->groups, group_cmp);
	sort(sum->hours, sum->nhours, sizeof *sum->hours, hour_cmp);
	sort(sum->remotes, sum->nremotes, sizeof *sum->remotes, remote_cmp);
	sort(sum->policies, sum->npolicies, sizeof *sum->policies,
	    policy_cmp);
	for (i = 0; i < sum->npolicies; i++)
		sort(sum->policies[i].details, sum->policies[i].ndetails,
		    sizeof *sum->policies[i].details, detail_cmp);
	/*
	 * Only what is missing inside the window counts.  A folder's logs are
	 * also missing where they start after the window's start (or the
	 * first row of any folder) and end before its end (or the last row
	 * of any folder): a server whose logs stop early is the audit's
	 * blind spot.
	 */
	for (i = 0; i < sum->nfolders; i++) {
		struct summary_folder *f = &sum->folders[i];
		int64_t lo = sum->since >= 0 ? sum->since :
		    sum->stats.have_time ? sum->stats.first_time : INT64_MIN;
		int64_t hi = sum->until >= 0 && sum->until != INT64_MAX ?
		    sum->until : sum->stats.have_time ? sum->stats.last_time :
		    INT64_MAX;
		size_t k;

		f->ngaps = 0;
		f->more_gaps = f->more_rows_gaps;
		if (f->have_rows && lo != INT64_MIN && f->first - lo > sum->gap)
			add_gap(f, lo, f->first < hi ? f->first : hi);
		for (k = 0; k < f->nrows_gaps; k++) {
			struct summary_gap g = f->rows_gaps[k];

			if (g.from < lo)
				g.from = lo;
			if (g.to > hi)
				g.to = hi;
			if (g.to - g.from > sum->gap)
				add_gap(f, g.from, g.to);
		}
		if (f->have_rows && hi != INT64_MAX && hi - f->last > sum->gap &&
		    hi - lo > sum->gap)
			add_gap(f, f->last > lo ? f->last : lo, hi);
		if (!f->have_rows && lo != INT64_MIN && hi != INT64_MAX &&
		    hi - lo > sum->gap)
			add_gap(f, lo, hi);	/* nothing at all in the window */
		sort(f->gaps, f->ngaps, sizeof *f->gaps, gap_cmp);
	}
	/* Still failing: the remote's latest session had this rule. */
	for (i = 0; i < sum->ngroups; i++) {
		struct summary_group *g = sum->groups[i];
		struct summary_remote key, *r;

		key.remote = g->remote;
		r = sum->nremotes == 0 ? NULL : bsearch(&key, sum->remotes,
		    sum->nremotes, sizeof *sum->remotes, remote_cmp);
		g->still_failing = 0;
		for (j = 0; r != NULL && j < r->nrules; j++)
			if (strcmp(r->rules[j], g->rule) == 0 &&
			    r->last_start == g->last_start)
				g->still_failing = 1;
	}
}

/* ---- one summary into another (--jobs: a folder's into the run's) ---- */

static void
copy_example(struct summary_example *to, const struct summary_example *x)
{
	fill_example(to, x->id, x->message, x->file, x->line, x->complete,
	    x->evidence, x->nevidence, x->evidence_dropped);
}

static void
merge_group(struct summary *sum, const struct summary_group *s)
{
	struct summary_group *g;
	char *key;
	size_t i, n;

	key = group_key(s->severity, s->rule, s->connector, s->remote, &n);
	i = strmap_get(sum->group_index, key, n);
	if (i == (size_t)-1) {
		strmap_put(sum->group_index, key, n, sum->ngroups);
		g = xcalloc(1, sizeof *g);
		g->rule = xstrdup(s->rule);
		g->title = xstrdup(s->title);
		g->connector = xstrdup(s->connector);
		g->remote = xstrdup(s->remote);
		g->severity = s->severity;
		g->first = s->first;
		g->last = s->last;
		g->last_start = s->last_start;
		g->onset = s->onset;
		g->hint = s->hint != NULL ? xstrdup(s->hint) : NULL;
		copy_example(&g->example, &s->example);
		for (i = 0; i < s->nips; i++)
			g->ips[i] = xstrdup(s->ips[i]);
		g->nips = s->nips;
		g->more_ips = s->more_ips;
		g->sessions = s->sessions;
		g->messages = s->messages;
		*(struct summary_group **)append(&sum->groups, &sum->ngroups,
		    sizeof g) = g;
		free(key);
		return;
	}
	free(key);
	g = sum->groups[i];
	g->sessions += s->sessions;
	g->messages += s->messages;
	for (i = 0; i < s->nips; i++) {
		size_t k;

		for (k = 0; k < g->nips; k++)
			if (strcmp(g->ips[k], s->ips[i]) == 0)
				break;
		if (k < g->nips)
			continue;
		if (g->nips == SUMMARY_GROUP_IPS)
			g->more_ips++;
		else
			g->ips[g->nips++] = xstrdup(s->ips[i]);
	}
	g->more_ips += s->more_ips;
	if (s->first < g->first) {
		g->first = s->first;
		g->onset = s->onset;
	}
	if (s->last > g->last)
		g->last = s->last;
	if (s->last_start > g->last_start)
		g->last_start = s->last_start;
	if (g->hint == NULL && s->hint != NULL)
		g->hint = xstrdup(s->hint);
}

void
summary_merge(struct summary *sum, const struct summary *from)
{
	struct scan_stats *st = &sum->stats;
	const struct scan_stats *ft = &from->stats;
	size_t i, k;

	for (i = 0; i < from->ngroups; i++)
		merge_group(sum, from->groups[i]);
	sum->findings += from->findings;
	for (i = 0; i < from->nhours; i++)
		summary_add_hour(sum, from->hours[i].hour, from->hours[i].ok,
		    from->hours[i].failing);
	for (i = 0; i < from->nfolders; i++) {
		const struct summary_folder *f = &from->folders[i];
		struct summary_folder *to = folder(sum, f->folder);

		/* A folder met again (its next file): the gap before it. */
		if (to->have_rows && f->have_rows &&
		    f->first - to->last > sum->gap)
			summary_add_gap(sum, f->folder, to->last, f->first);
		summary_add_folder(sum, f->folder, f->files, f->have_rows ?
		    f->first : 1, f->have_rows ? f->last : 0);
		for (k = 0; k < f->nrows_gaps; k++)
			summary_add_gap(sum, f->folder, f->rows_gaps[k].from,
			    f->rows_gaps[k].to);
		folder(sum, f->folder)->more_rows_gaps += f->more_rows_gaps;
	}
	for (i = 0; i < from->nremotes; i++)
		summary_add_remote(sum, from->remotes[i].remote,
		    from->remotes[i].last_start,
		    (const char *const *)from->remotes[i].rules,
		    from->remotes[i].nrules);
	for (i = 0; i < from->npolicies; i++) {
		const struct summary_policy *p = &from->policies[i];

		summary_add_tls(sum, p->day, p->domain, p->successful,
		    p->failed);
		for (k = 0; k < p->ndetails; k++) {
			const struct summary_tls_detail *d = &p->details[k];
			struct summary_tls_key key = { d->result_type,
			    d->sending_ip, d->receiving_ip, d->mx_helo,
			    d->mx_host, d->reason };

			summary_add_tls_detail(sum, p->day, p->domain, &key,
			    d->count);
		}
	}
	st->folders += ft->folders;
	st->files_read += ft->files_read;
	st->files_skipped += ft->files_skipped;
	st->skipped_receive += ft->skipped_receive;
	st->skipped_no_header += ft->skipped_no_header;
	st->skipped_other += ft->skipped_other;
	st->skipped_window += ft->skipped_window;
	st->files_unreadable += ft->files_unreadable;
	st->errors += ft->errors;
	st->bytes += ft->bytes;
	st->rows += ft->rows;
	st->bad_rows += ft->bad_rows;
	st->sessions_complete += ft->sessions_complete;
	st->sessions_incomplete += ft->sessions_incomplete;
	st->sessions_reported += ft->sessions_reported;
	st->sessions_evicted += ft->sessions_evicted;
	st->sessions_restarted += ft->sessions_restarted;
	st->rows_out_of_order += ft->rows_out_of_order;
	st->rows_time_back += ft->rows_time_back;
	st->findings += ft->findings;
	if (ft->have_time) {
		if (!st->have_time || ft->first_time < st->first_time)
			st->first_time = ft->first_time;
		if (!st->have_time || ft->last_time > st->last_time)
			st->last_time = ft->last_time;
		st->have_time = 1;
	}
}

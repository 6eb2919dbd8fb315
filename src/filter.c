/*
 * filter.c: the time window and the filters of a report.
 */
#define _GNU_SOURCE	/* FNM_CASEFOLD */
#include <arpa/inet.h>

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "logtime.h"
#include "xmalloc.h"

int
filter_time_parse(const char *text, struct filter_time *t)
{
	static const char *const tails[] = {
		"T00:00:00.000Z", ":00.000Z", ".000Z", "Z", ""
	};
	char buf[64];
	size_t len = strlen(text), i;
	char *end;
	long long n;

	memset(t, 0, sizeof t[0]);
	/* A span: digits and a unit. */
	if (len >= 2 && isdigit((unsigned char)text[0])) {
		n = strtoll(text, &end, 10);
		if (end[0] != '\0' && end[1] == '\0' && n >= 0 &&
		    strchr("smhdw", end[0]) != NULL) {
			static const long long unit[] = { 1000, 60000,
			    3600000, 86400000, 604800000 };

			t->set = t->relative = 1;
			t->ms = n * unit[strchr("smhdw", end[0]) - "smhdw"];
			return 0;
		}
	}
	/* A time: complete the shorter forms and parse as the logs do. */
	if (len == 0 || len > 30)
		return -1;
	memcpy(buf, text, len + 1);
	if (len > 10 && buf[10] == ' ')
		buf[10] = 'T';
	if (len == 17 && buf[16] == 'Z')	/* 2026-11-02T13:00Z */
		buf[--len] = '\0';
	if (len == 10)
		i = 0;
	else if (len == 16)
		i = 1;
	else if (len == 19)
		i = 2;
	else if (buf[len - 1] != 'Z' && len < 30)
		i = 3;
	else
		i = 4;
	if (len + strlen(tails[i]) >= sizeof buf)
		return -1;
	strcat(buf, tails[i]);
	if (logtime_parse(buf, strlen(buf), &t->ms) == -1)
		return -1;
	t->set = 1;
	return 0;
}

static int
parse_net(const char *spec, struct filter_remote *r)
{
	char buf[64], *slash;
	unsigned char v4[4];
	int bits = -1, max;

	if (strlen(spec) >= sizeof buf)
		return -1;
	strcpy(buf, spec);
	if ((slash = strchr(buf, '/')) != NULL) {
		char *end;

		*slash++ = '\0';
		bits = (int)strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0)
			return -1;
	}
	memset(r->addr, 0, sizeof r->addr);
	if (inet_pton(AF_INET, buf, v4) == 1) {
		/* ::ffff:a.b.c.d */
		r->addr[10] = r->addr[11] = 0xff;
		memcpy(r->addr + 12, v4, 4);
		max = 32;
		r->prefix = 96 + (bits < 0 ? 32 : bits);
	} else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		max = 128;
		r->prefix = bits < 0 ? 128 : bits;
	} else
		return -1;
	if (bits > max)
		return -1;
	r->kind = REMOTE_NET;
	return 0;
}

int
filter_add_remote(struct filter *f, const char *spec)
{
	struct filter_remote r;

	memset(&r, 0, sizeof r);
	if (parse_net(spec, &r) == -1) {
		if (strchr(spec, '/') != NULL || spec[0] == '\0')
			return -1;	/* a bad CIDR block, not a name */
		r.kind = REMOTE_GLOB;
		r.glob = xstrdup(spec);
	}
	f->remotes = xreallocarray(f->remotes, f->nremotes + 1,
	    sizeof *f->remotes);
	f->remotes[f->nremotes++] = r;
	return 0;
}

void
filter_add_connector(struct filter *f, const char *glob)
{
	f->connectors = xreallocarray(f->connectors, f->nconnectors + 1,
	    sizeof *f->connectors);
	f->connectors[f->nconnectors++] = glob;
}

int
filter_severity_parse(const char *s, enum severity *sev)
{
	if (strcmp(s, "error") == 0)
		*sev = SEV_ERROR;
	else if (strcmp(s, "warning") == 0)
		*sev = SEV_WARNING;
	else if (strcmp(s, "info") == 0)
		*sev = SEV_INFO;
	else
		return -1;
	return 0;
}

int
filter_resolve(struct filter *f, int64_t newest)
{
	const struct filter_time *t[2] = { &f->since, &f->until };
	int64_t v[2] = { INT64_MIN, INT64_MAX };
	int i;

	for (i = 0; i < 2; i++) {
		if (!t[i]->set)
			continue;
		if (t[i]->relative && newest < 0)
			return -1;
		v[i] = t[i]->relative ? newest - t[i]->ms : t[i]->ms;
	}
	f->from = v[0];
	f->to = v[1];
	f->have_window = f->since.set || f->until.set;
	return 0;
}

/* The remote address of "1.2.3.4:25", "[2001:db8::1]:25" or "2001:db8::1". */
static int
remote_addr(const char *ep, unsigned char addr[16])
{
	char buf[64], *colon;
	unsigned char v4[4];

	if (ep == NULL || strlen(ep) >= sizeof buf)
		return -1;
	if (ep[0] == '[') {
		strcpy(buf, ep + 1);
		if ((colon = strchr(buf, ']')) != NULL)
			*colon = '\0';
	} else {
		strcpy(buf, ep);
		colon = strrchr(buf, ':');
		if (colon != NULL && strchr(buf, ':') == colon)
			*colon = '\0';	/* IPv4 with a port */
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, v4) == 1) {
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, buf, addr) == 1 ? 0 : -1;
}

static int
net_match(const struct filter_remote *r, const unsigned char addr[16])
{
	int full = r->prefix / 8, rest = r->prefix % 8;

	if (memcmp(r->addr, addr, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((r->addr[full] ^ addr[full]) &
	    (0xff << (8 - rest))) == 0;
}

int
filter_session(const struct filter *f, const struct session *s)
{
	unsigned char addr[16];
	int have_addr, ok;
	size_t i;

	if (f->have_window && (s->end < f->from || s->start > f->to))
		return 0;
	if (f->nconnectors > 0) {
		for (i = 0, ok = 0; i < f->nconnectors && !ok; i++)
			ok = fnmatch(f->connectors[i], s->connector != NULL ?
			    s->connector : "", FNM_CASEFOLD) == 0;
		if (!ok)
			return 0;
	}
	if (f->nremotes > 0) {
		have_addr = remote_addr(s->remote_endpoint, addr) == 0;
		for (i = 0, ok = 0; i < f->nremotes && !ok; i++) {
			const struct filter_remote *r = &f->remotes[i];

			if (r->kind == REMOTE_NET)
				ok = have_addr && net_match(r, addr);
			else
				ok = s->remote_host != NULL && fnmatch(r->glob,
				    s->remote_host, FNM_CASEFOLD) == 0;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

int
filter_finding(const struct filter *f, const struct finding *fd)
{
	return fd->severity >= f->min_severity;
}

void
filter_free(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->nremotes; i++)
		free(f->remotes[i].glob);
	free(f->remotes);
	free(f->connectors);
	memset(f, 0, sizeof *f);
}

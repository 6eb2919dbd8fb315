/*
 * cpus.c: the processors this process may use: its CPU affinity and its
 * cgroup's CPU quota (a container given 2 CPUs' worth of time on a host of
 * 64 sees 64 processors online).
 */
#define _GNU_SOURCE	/* sched_getaffinity(), CPU_COUNT() */

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"

/* The first line of file dir/name in buf, or NULL. */
static char *
read_line(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *fp;
	char *line;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path || (fp = fopen(path, "r")) == NULL)
		return NULL;
	line = fgets(buf, (int)size, fp);
	fclose(fp);
	return line;
}

/* A positive number that is all of s but blanks after it, or 0. */
static long long
positive(const char *s)
{
	char *end;
	long long n;

	if (*s < '0' || *s > '9')
		return 0;
	n = strtoll(s, &end, 10);
	end += strspn(end, " \t\n");
	return *end == '\0' && n > 0 ? n : 0;
}

/* Processors' worth of quota over period, rounded up, or 0. */
static int
worth(long long quota, long long period)
{
	long long n;

	if (quota <= 0 || period <= 0)
		return 0;
	n = quota / period + (quota % period != 0);
	return n > INT_MAX ? INT_MAX : (int)n;
}

/* The limit set in cgroup directory dir, or 0; v2: cpu.max, else v1. */
static int
limit_in(const char *dir, int v2)
{
	char quota[64], period[64], *sp;

	if (v2) {
		/* "max 100000" or "200000 100000" */
		if (read_line(dir, "cpu.max", quota, sizeof quota) == NULL ||
		    (sp = strchr(quota, ' ')) == NULL)
			return 0;
		*sp++ = '\0';
		return worth(positive(quota), positive(sp));
	}
	/* cpu.cfs_quota_us is -1 without a limit. */
	if (read_line(dir, "cpu.cfs_quota_us", quota, sizeof quota) == NULL ||
	    read_line(dir, "cpu.cfs_period_us", period, sizeof period) ==
	    NULL)
		return 0;
	return worth(positive(quota), positive(period));
}

/* The least limit of the cgroup at base + path and its ancestors, or 0. */
static int
least_limit(const char *base, const char *path, int v2)
{
	char dir[PATH_MAX];
	size_t len = strlen(path), n;
	int least = 0, limit;

	while (len > 0 && path[len - 1] == '/')
		len--;
	for (;;) {
		n = (size_t)snprintf(dir, sizeof dir, "%s%.*s", base,
		    (int)len, path);
		if (n < sizeof dir && (limit = limit_in(dir, v2)) > 0 &&
		    (least == 0 || limit < least))
			least = limit;
		if (len == 0)
			return least;
		while (len > 0 && path[len - 1] != '/')
			len--;		/* to the parent */
		while (len > 0 && path[len - 1] == '/')
			len--;
	}
}

/* Whether the comma-separated list has the controller name. */
static int
has_controller(const char *list, size_t len, const char *name)
{
	size_t n = strlen(name), k;

	while (len > 0) {
		for (k = 0; k < len && list[k] != ','; k++)
			;
		if (k == n && memcmp(list, name, n) == 0)
			return 1;
		if (k == len)
			break;
		list += k + 1;
		len -= k + 1;
	}
	return 0;
}

int
cpus_quota(const char *root, const char *cgroup)
{
	char base[PATH_MAX], path[PATH_MAX];
	const char *line, *end, *c1, *c2;
	int least = 0, limit, k;

	for (line = cgroup; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		/* "hierarchy-ID:controller-list:cgroup-path" */
		if ((c1 = memchr(line, ':', (size_t)(end - line))) == NULL ||
		    (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) ==
		    NULL || (size_t)(end - c2 - 1) >= sizeof path)
			continue;
		memcpy(path, c2 + 1, (size_t)(end - c2 - 1));
		path[end - c2 - 1] = '\0';
		limit = 0;
		if (c1 == line + 1 && line[0] == '0' && c2 == c1 + 1)
			limit = least_limit(root, path, 1);	/* v2 */
		else if (has_controller(c1 + 1, (size_t)(c2 - c1 - 1),
		    "cpu")) {
			/* v1: mounted as cpu, or as the list ("cpu,cpuacct") */
			k = snprintf(base, sizeof base, "%s/cpu", root);
			if (k > 0 && (size_t)k < sizeof base)
				limit = least_limit(base, path, 0);
			k = snprintf(base, sizeof base, "%s/%.*s", root,
			    (int)(c2 - c1 - 1), c1 + 1);
			if (limit == 0 && k > 0 && (size_t)k < sizeof base)
				limit = least_limit(base, path, 0);
		}
		if (limit > 0 && (least == 0 || limit < least))
			least = limit;
	}
	return least;
}

int
cpus_usable(void)
{
	char text[4096];
	cpu_set_t set;
	size_t n;
	FILE *fp;
	int cpus, quota;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cpus = CPU_COUNT(&set);
	else
		cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if ((fp = fopen("/proc/self/cgroup", "r")) != NULL) {
		n = fread(text, 1, sizeof text - 1, fp);
		text[n] = '\0';
		fclose(fp);
		if ((quota = cpus_quota("/sys/fs/cgroup", text)) > 0 &&
		    quota < cpus)
			cpus = quota;
	}
	return cpus < 1 ? 1 : cpus;
}

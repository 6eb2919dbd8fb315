/*
 * test_cpus.c: cpus_quota() on cgroup trees made in a temporary directory,
 * v1 and v2, limits on a cgroup and on its ancestors, a container's view,
 * and files that are not what they should be; cpus_usable() against the
 * affinity of this process.
 */
#define _GNU_SOURCE	/* nftw(), sched_getaffinity() */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpus.h"

static char root[64];

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/test_cpus.XXXXXX");
	return mkdtemp(root) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to root/rel, making the folders on the way. */
static void
put(const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')) !=
	    NULL; slash++) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
test_cpus_v2_own_limit(void **state)
{
	(void)state;
	put("app.slice/scan.service/cpu.max", "200000 100000\n");
	assert_int_equal(cpus_quota(root, "0::/app.slice/scan.service\n"), 2);
	/* Rounded up: 1.5 CPUs' worth is 2 threads. */
	put("app.slice/scan.service/cpu.max", "150000 100000\n");
	assert_int_equal(cpus_quota(root, "0::/app.slice/scan.service\n"), 2);
	put("app.slice/scan.service/cpu.max", "50000 100000\n");
	assert_int_equal(cpus_quota(root, "0::/app.slice/scan.service\n"), 1);
}

static void
test_cpus_v2_no_limit(void **state)
{
	(void)state;
	put("app.slice/cpu.max", "max 100000\n");
	assert_int_equal(cpus_quota(root, "0::/app.slice\n"), 0);
	/* No cpu.max anywhere: the controller is not enabled. */
	assert_int_equal(cpus_quota(root, "0::/other.slice/x.scope\n"), 0);
	assert_int_equal(cpus_quota(root, ""), 0);
}

static void
test_cpus_v2_ancestor_limits(void **state)
{
	(void)state;
	/* The least of the cgroup's and its ancestors' limits. */
	put("a/cpu.max", "300000 100000\n");
	put("a/b/cpu.max", "max 100000\n");
	put("a/b/c/cpu.max", "800000 100000\n");
	assert_int_equal(cpus_quota(root, "0::/a/b/c\n"), 3);
	put("cpu.max", "100000 100000\n");	/* the root's, last */
	assert_int_equal(cpus_quota(root, "0::/a/b/c\n"), 1);
}

static void
test_cpus_container_view(void **state)
{
	(void)state;
	/*
	 * A container without a cgroup namespace: its path is the host's,
	 * not found under its own /sys/fs/cgroup, whose root is its cgroup.
	 */
	put("cpu.max", "400000 100000\n");
	assert_int_equal(cpus_quota(root, "0::/system.slice/docker-1f3a."
	    "scope\n"), 4);
	/* With a namespace: "/". */
	assert_int_equal(cpus_quota(root, "0::/\n"), 4);
}

static void
test_cpus_v1(void **state)
{
	static const char cgroup[] =
	    "12:pids:/docker/1f3a\n"
	    "4:cpu,cpuacct:/docker/1f3a\n"
	    "3:cpuset:/docker/1f3a\n"
	    "1:name=systemd:/docker/1f3a\n"
	    "0::/docker/1f3a\n";

	(void)state;
	put("cpu,cpuacct/docker/1f3a/cpu.cfs_quota_us", "250000\n");
	put("cpu,cpuacct/docker/1f3a/cpu.cfs_period_us", "100000\n");
	assert_int_equal(cpus_quota(root, cgroup), 3);
	/* Mounted as cpu too: looked for there first. */
	put("cpu/docker/1f3a/cpu.cfs_quota_us", "-1\n");
	put("cpu/docker/1f3a/cpu.cfs_period_us", "100000\n");
	put("cpu/docker/cpu.cfs_quota_us", "200000\n");
	put("cpu/docker/cpu.cfs_period_us", "100000\n");
	assert_int_equal(cpus_quota(root, cgroup), 2);
}

static void
test_cpus_v1_no_limit(void **state)
{
	(void)state;
	put("cpu/cpu.cfs_quota_us", "-1\n");
	put("cpu/cpu.cfs_period_us", "100000\n");
	/* cpuacct alone is not cpu; a name= hierarchy is not either. */
	put("cpuacct/cpu.cfs_quota_us", "100000\n");
	put("cpuacct/cpu.cfs_period_us", "100000\n");
	assert_int_equal(cpus_quota(root, "2:cpuacct:/\n1:cpu:/\n"
	    "5:name=cpu:/\n"), 0);
}

static void
test_cpus_bad_files(void **state)
{
	(void)state;
	put("a/cpu.max", "lots 100000\n");
	assert_int_equal(cpus_quota(root, "0::/a\n"), 0);
	put("a/cpu.max", "200000\n");		/* no period */
	assert_int_equal(cpus_quota(root, "0::/a\n"), 0);
	put("a/cpu.max", "200000 0\n");
	assert_int_equal(cpus_quota(root, "0::/a\n"), 0);
	put("a/cpu.max", "200000 100000 7\n");
	assert_int_equal(cpus_quota(root, "0::/a\n"), 0);
	put("a/cpu.max", "");
	assert_int_equal(cpus_quota(root, "0::/a\n"), 0);
	/* Lines that are not "id:controllers:path". */
	put("b/cpu.max", "100000 100000\n");
	assert_int_equal(cpus_quota(root, "garbage\n0:/b\n::\n"), 0);
	/* The last line without its newline. */
	assert_int_equal(cpus_quota(root, "0::/b"), 1);
}

static void
test_cpus_usable_affinity(void **state)
{
	cpu_set_t set, one;
	int i;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
	/* Never more than the affinity allows, never less than one. */
	assert_true(cpus_usable() >= 1);
	assert_true(cpus_usable() <= CPU_COUNT(&set));
	/* Bound to one processor (as taskset -c does): one thread. */
	for (i = 0; !CPU_ISSET(i, &set); i++)
		;
	CPU_ZERO(&one);
	CPU_SET(i, &one);
	assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
	assert_int_equal(cpus_usable(), 1);
	assert_int_equal(sched_setaffinity(0, sizeof set, &set), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpus_v2_own_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cpus_v2_no_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cpus_v2_ancestor_limits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpus_container_view,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpus_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpus_v1_no_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cpus_bad_files, setup,
		    teardown),
		cmocka_unit_test(test_cpus_usable_affinity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

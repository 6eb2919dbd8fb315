/*
 * cpus.h: how many processors this process may use, for the default of
 * --jobs.
 */
#ifndef CPUS_H
#define CPUS_H

/*
 * The default of --jobs is cpus_usable(), at most this: beyond it each
 * thread costs memory (about 1 MB and its share of what is held for the
 * main thread, see scan.c) more than it is likely to gain, the main
 * thread joining up every file in order.  --jobs N may ask for more.
 */
#define JOBS_DEFAULT_MAX	16

/*
 * The processors of this process's CPU affinity, or online if it cannot be
 * read, fewer when its cgroup (v2 cpu.max, v1 cpu.cfs_quota_us) allows less
 * CPU time than that: at least 1.
 */
int	cpus_usable(void);

/*
 * The processors' worth of CPU time that the cgroups of a process allow,
 * rounded up; 0 when none sets a limit.  cgroup is the text of its
 * /proc/self/cgroup, root where the cgroup file systems are mounted
 * (/sys/fs/cgroup).  The limit is the least of its cgroup's and its
 * ancestors'; a path not found under root (a container that sees its
 * own cgroup as the root) is looked for in its ancestors, root itself
 * last.
 */
int	cpus_quota(const char *root, const char *cgroup);

#endif

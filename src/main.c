/*
 * main.c: options, the rules, then the scan.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"
#include "diag.h"
#include "filter.h"
#include "merge.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "xmalloc.h"

#ifndef VERSION
#define VERSION "0.4.7"
#endif

static void
usage(FILE *fp)
{
	fputs(
"usage: sendlog-scan [options] PATH...\n"
"       sendlog-scan [rule options] --list-rules | --explain ID\n"
"\n"
"Scan Exchange SMTP Send protocol logs, rebuild each SMTP session, and report\n"
"what the rules find: sessions where the connector required TLS but the\n"
"remote offered no STARTTLS, failed TLS negotiations and certificates, weak\n"
"TLS, mail delivered in clear text.  PATH is a log file, a folder (read\n"
"recursively), or - for standard input.\n"
"\n"
"options:\n"
"  -f, --format FORMAT       text (default), ndjson, lines, csv, json or tlsrpt\n"
"      --require-tls NAME    treat sessions on connector NAME as TLS-required\n"
"                            even when the log says nothing (repeatable;\n"
"                            * for every connector)\n"
"  -j, --jobs N              files read at once (default: the processors\n"
"                            this process may use, at most 16); the output\n"
"                            is the same\n"
"  -q, --quiet               no warnings and no progress line (warnings are\n"
"                            still counted in the summary)\n"
"  -h, --help                show this help and exit\n"
"  -V, --version             show the version and exit\n"
"\n"
"selecting:\n"
"      --since TIME          only sessions that end at or after TIME: UTC\n"
"                            2026-11-02, 2026-11-02T13:00, or back from the\n"
"                            newest row: 90m, 24h, 7d, 2w\n"
"      --until TIME          only sessions that start at or before TIME\n"
"      --connector GLOB      only sessions on a matching connector\n"
"                            (repeatable; case-insensitive)\n"
"      --remote SPEC         only sessions to an IP, a CIDR block, or a host\n"
"                            name matching a glob (repeatable)\n"
"      --severity LEVEL      only findings of LEVEL or worse: error,\n"
"                            warning or info\n"
"\n"
"reports:\n"
"      --top N               remotes listed per connector (default 10; 0\n"
"                            none; -1 all)\n"
"      --detail LEVEL        2 (default): examples with evidence rows;\n"
"                            1: examples without; 0: no hints or examples\n"
"      --gap DURATION        report stretches longer than this with no rows\n"
"                            at all as missing logs (default 1h)\n"
"      --color WHEN          auto (default: on a terminal, unless NO_COLOR\n"
"                            is set), always or never\n"
"      --org NAME            organization-name of TLSRPT reports\n"
"      --contact ADDR        contact-info of TLSRPT reports\n"
"      --merge               read the PATHs as --format json results of\n"
"                            earlier runs and report on them together\n"
"\n"
"rule options:\n"
"  -r, --rules FILE          add the rules in FILE; a rule with the id of one\n"
"                            already loaded replaces it (repeatable)\n"
"      --no-default-rules    leave out the built-in rules\n"
"      --rule ID             run only rule ID (repeatable)\n"
"      --skip-rule ID        do not run rule ID (repeatable)\n"
"      --list-rules          list the rules that would run and exit\n"
"      --explain ID          show rule ID as written, where it comes from,\n"
"                            and the facts it uses, then exit\n"
"\n"
"Exit status: 0 no findings, 1 findings, 2 trouble.  See sendlog-scan(1).\n",
	    fp);
}

/* A growing list of option arguments. */
struct list {
	const char	**v;
	size_t		  n;
};

static void
list_add(struct list *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = s;
}

static int
finish_output(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		diag(DIAG_ERROR, NULL, 0, "writing the report: %s",
		    strerror(errno));
		return 2;
	}
	return status;
}

enum {
	OPT_REQUIRE_TLS = 256, OPT_NO_DEFAULT, OPT_RULE, OPT_SKIP_RULE,
	OPT_LIST_RULES, OPT_EXPLAIN, OPT_SINCE, OPT_UNTIL, OPT_CONNECTOR,
	OPT_REMOTE, OPT_SEVERITY, OPT_TOP, OPT_DETAIL, OPT_GAP, OPT_COLOR,
	OPT_ORG, OPT_CONTACT, OPT_MERGE, OPT_JOBS
};

/* A whole number in [min, max] for an option; -1 when it is not. */
static int
int_arg(const char *opt, const char *s, long min, long max, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max) {
		diag(DIAG_ERROR, NULL, 0, "%s needs a number from %ld to %ld, "
		    "not '%s'", opt, min, max, s);
		return -1;
	}
	*v = (int)n;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format",	      required_argument, NULL, 'f' },
		{ "require-tls",      required_argument, NULL, OPT_REQUIRE_TLS },
		{ "rules",	      required_argument, NULL, 'r' },
		{ "no-default-rules", no_argument,	 NULL, OPT_NO_DEFAULT },
		{ "rule",	      required_argument, NULL, OPT_RULE },
		{ "skip-rule",	      required_argument, NULL, OPT_SKIP_RULE },
		{ "list-rules",	      no_argument,	 NULL, OPT_LIST_RULES },
		{ "explain",	      required_argument, NULL, OPT_EXPLAIN },
		{ "quiet",	      no_argument,	 NULL, 'q' },
		{ "since",	      required_argument, NULL, OPT_SINCE },
		{ "until",	      required_argument, NULL, OPT_UNTIL },
		{ "connector",	      required_argument, NULL, OPT_CONNECTOR },
		{ "remote",	      required_argument, NULL, OPT_REMOTE },
		{ "severity",	      required_argument, NULL, OPT_SEVERITY },
		{ "top",	      required_argument, NULL, OPT_TOP },
		{ "detail",	      required_argument, NULL, OPT_DETAIL },
		{ "gap",	      required_argument, NULL, OPT_GAP },
		{ "color",	      required_argument, NULL, OPT_COLOR },
		{ "colour",	      required_argument, NULL, OPT_COLOR },
		{ "org",	      required_argument, NULL, OPT_ORG },
		{ "contact",	      required_argument, NULL, OPT_CONTACT },
		{ "merge",	      no_argument,	 NULL, OPT_MERGE },
		{ "jobs",	      required_argument, NULL, 'j' },
		{ "help",	      no_argument,	 NULL, 'h' },
		{ "version",	      no_argument,	 NULL, 'V' },
		{ NULL,		      0,		 NULL, 0 }
	};
	struct list require_tls = { 0 }, files = { 0 }, only = { 0 },
	    skip = { 0 };
	struct rules_config rc;
	struct scan_options opt;
	struct filter filter;
	struct filter_time gap;
	const char *explain = NULL, *color = "auto";
	char err[1024];
	int c, status, list_rules = 0, no_default = 0, quiet = 0, merge = 0;

	memset(&opt, 0, sizeof opt);
	memset(&filter, 0, sizeof filter);
	filter.min_severity = SEV_INFO;
	opt.filter = &filter;
	opt.report.format = REPORT_TEXT;
	opt.report.top = 10;
	opt.report.detail = 2;
	opt.gap = 3600 * 1000LL;
	opt.jobs = cpus_usable();
	if (opt.jobs > JOBS_DEFAULT_MAX)
		opt.jobs = JOBS_DEFAULT_MAX;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:r:j:qhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			if (report_format_parse(optarg,
			    &opt.report.format) == -1) {
				diag(DIAG_ERROR, NULL, 0, "unknown format '%s' "
				    "(text, ndjson, lines, csv, json or tlsrpt)",
				    optarg);
				return 2;
			}
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (filter_time_parse(optarg, c == OPT_SINCE ?
			    &filter.since : &filter.until) == -1) {
				diag(DIAG_ERROR, NULL, 0, "%s: '%s' is not a UTC "
				    "time (2026-11-02T13:00) nor a span back "
				    "(24h, 7d)", c == OPT_SINCE ? "--since" :
				    "--until", optarg);
				return 2;
			}
			break;
		case OPT_CONNECTOR:
			filter_add_connector(&filter, optarg);
			break;
		case OPT_REMOTE:
			if (filter_add_remote(&filter, optarg) == -1) {
				diag(DIAG_ERROR, NULL, 0, "--remote: '%s' is not "
				    "an IP address, a CIDR block or a host name "
				    "glob", optarg);
				return 2;
			}
			break;
		case OPT_SEVERITY:
			if (filter_severity_parse(optarg,
			    &filter.min_severity) == -1) {
				diag(DIAG_ERROR, NULL, 0, "--severity: '%s' is "
				    "not error, warning or info", optarg);
				return 2;
			}
			break;
		case OPT_TOP:
			if (int_arg("--top", optarg, -1, 1000000,
			    &opt.report.top) == -1)
				return 2;
			break;
		case OPT_DETAIL:
			if (int_arg("--detail", optarg, 0, 2,
			    &opt.report.detail) == -1)
				return 2;
			break;
		case OPT_GAP:
			if (filter_time_parse(optarg, &gap) == -1 ||
			    !gap.relative || gap.ms <= 0) {
				diag(DIAG_ERROR, NULL, 0, "--gap: '%s' is not a "
				    "duration such as 30m, 1h or 1d", optarg);
				return 2;
			}
			opt.gap = gap.ms;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0) {
				diag(DIAG_ERROR, NULL, 0, "--color: '%s' is not "
				    "auto, always or never", optarg);
				return 2;
			}
			color = optarg;
			break;
		case OPT_ORG:
			opt.report.org = optarg;
			break;
		case OPT_CONTACT:
			opt.report.contact = optarg;
			break;
		case OPT_MERGE:
			merge = 1;
			break;
		case 'j':
			if (int_arg("--jobs", optarg, 1, 1024, &opt.jobs) == -1)
				return 2;
			break;
		case OPT_REQUIRE_TLS:
			list_add(&require_tls, optarg);
			break;
		case 'r':
			list_add(&files, optarg);
			break;
		case OPT_NO_DEFAULT:
			no_default = 1;
			break;
		case OPT_RULE:
			list_add(&only, optarg);
			break;
		case OPT_SKIP_RULE:
			list_add(&skip, optarg);
			break;
		case OPT_LIST_RULES:
			list_rules = 1;
			break;
		case OPT_EXPLAIN:
			explain = optarg;
			break;
		case 'q':
			diag_set_quiet(1);
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return finish_output(0);
		case 'V':
			puts("sendlog-scan " VERSION);
			return finish_output(0);
		case ':':
			diag(DIAG_ERROR, NULL, 0, "option '%s' needs an argument",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			diag(DIAG_ERROR, NULL, 0, "unknown option '%s'",
			    argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc && !list_rules && explain == NULL) {
		diag(DIAG_ERROR, NULL, 0, "no PATH given (use - for standard "
		    "input)");
		usage(stderr);
		return 2;
	}

	opt.report.color = strcmp(color, "always") == 0 ||
	    (strcmp(color, "auto") == 0 && (getenv("NO_COLOR") == NULL ||
	    getenv("NO_COLOR")[0] == '\0') &&
	    isatty(STDOUT_FILENO));
	opt.progress = !quiet && isatty(STDERR_FILENO);
	if (merge) {
		status = finish_output(merge_run((const char *const *)
		    (argv + optind), (size_t)(argc - optind), &opt));
		goto out;
	}

	/* The rules are loaded, and refused, before any log is read. */
	memset(&rc, 0, sizeof rc);
	rc.require_tls = require_tls.v;
	rc.nrequire_tls = require_tls.n;
	rc.files = files.v;
	rc.nfiles = files.n;
	rc.no_default = no_default;
	rc.only = only.v;
	rc.nonly = only.n;
	rc.skip = skip.v;
	rc.nskip = skip.n;
	if ((opt.rules = rules_new(&rc, err, sizeof err)) == NULL) {
		fprintf(stderr, "sendlog-scan: %s\n", err);
		status = 2;
	} else if (list_rules) {
		rules_list(opt.rules, stdout);
		status = finish_output(0);
	} else if (explain != NULL) {
		if (rules_explain(opt.rules, explain, stdout) == -1) {
			diag(DIAG_ERROR, NULL, 0, "no rule '%s' (see "
			    "--list-rules)", explain);
			status = 2;
		} else
			status = finish_output(0);
	} else {
		opt.rules_config = &rc;
		opt.paths = (const char *const *)(argv + optind);
		opt.npaths = (size_t)(argc - optind);
		status = finish_output(scan_run(&opt));
	}
	rules_free(opt.rules);
out:
	filter_free(&filter);
	free(require_tls.v);
	free(files.v);
	free(only.v);
	free(skip.v);
	return status;
}

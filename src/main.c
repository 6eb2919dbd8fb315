/*
 * main.c: options, the rules, then the scan.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "xmalloc.h"

#ifndef VERSION
#define VERSION "0.2.0"
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
"  -f, --format FORMAT       text (default), ndjson or lines\n"
"      --require-tls NAME    treat sessions on connector NAME as TLS-required\n"
"                            even when the log says nothing (repeatable;\n"
"                            * for every connector)\n"
"  -q, --quiet               no warnings about bad rows or skipped files\n"
"                            (they are still counted in the summary)\n"
"  -h, --help                show this help and exit\n"
"  -V, --version             show the version and exit\n"
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
	OPT_LIST_RULES, OPT_EXPLAIN
};

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
		{ "help",	      no_argument,	 NULL, 'h' },
		{ "version",	      no_argument,	 NULL, 'V' },
		{ NULL,		      0,		 NULL, 0 }
	};
	struct list require_tls = { 0 }, files = { 0 }, only = { 0 },
	    skip = { 0 };
	struct rules_config rc;
	struct scan_options opt;
	const char *explain = NULL;
	char err[1024];
	int c, status, list_rules = 0, no_default = 0;

	memset(&opt, 0, sizeof opt);
	opt.format = REPORT_TEXT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:r:qhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'f':
			if (report_format_parse(optarg, &opt.format) == -1) {
				diag(DIAG_ERROR, NULL, 0, "unknown format '%s' "
				    "(text, ndjson or lines)", optarg);
				return 2;
			}
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
		opt.paths = (const char *const *)(argv + optind);
		opt.npaths = (size_t)(argc - optind);
		status = finish_output(scan_run(&opt));
	}
	rules_free(opt.rules);
	free(require_tls.v);
	free(files.v);
	free(only.v);
	free(skip.v);
	return status;
}

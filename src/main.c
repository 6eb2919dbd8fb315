/*
 * main.c: options, then the scan.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "report.h"
#include "scan.h"
#include "xmalloc.h"

#ifndef VERSION
#define VERSION "0.1.0"
#endif

static void
usage(FILE *fp)
{
	fputs(
"usage: sendlog-scan [options] PATH...\n"
"\n"
"Scan Exchange SMTP Send protocol logs, rebuild each SMTP session, and report\n"
"sessions where the send connector required TLS but the remote offered no\n"
"STARTTLS.  PATH is a log file, a folder (read recursively), or - for\n"
"standard input.\n"
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
"Exit status: 0 no findings, 1 findings, 2 trouble.  See sendlog-scan(1).\n",
	    fp);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format",	 required_argument, NULL, 'f' },
		{ "require-tls", required_argument, NULL, 'R' },
		{ "quiet",	 no_argument,	    NULL, 'q' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ "version",	 no_argument,	    NULL, 'V' },
		{ NULL,		 0,		    NULL, 0 }
	};
	struct scan_options opt;
	const char **require_tls = NULL;
	size_t nrequire = 0;
	int c, status;

	memset(&opt, 0, sizeof opt);
	opt.format = REPORT_TEXT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (report_format_parse(optarg, &opt.format) == -1) {
				diag(DIAG_ERROR, NULL, 0, "unknown format '%s' "
				    "(text, ndjson or lines)", optarg);
				return 2;
			}
			break;
		case 'R':
			require_tls = xreallocarray(require_tls, nrequire + 1,
			    sizeof *require_tls);
			require_tls[nrequire++] = optarg;
			break;
		case 'q':
			diag_set_quiet(1);
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : 2;
		case 'V':
			puts("sendlog-scan " VERSION);
			return fflush(stdout) == 0 ? 0 : 2;
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
	if (optind == argc) {
		diag(DIAG_ERROR, NULL, 0, "no PATH given (use - for standard "
		    "input)");
		usage(stderr);
		return 2;
	}
	opt.paths = (const char *const *)(argv + optind);
	opt.npaths = (size_t)(argc - optind);
	opt.rules.require_tls = require_tls;
	opt.rules.nrequire_tls = nrequire;
	status = scan_run(&opt);
	free(require_tls);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		diag(DIAG_ERROR, NULL, 0, "writing the report: %s",
		    strerror(errno));
		return 2;
	}
	return status;
}

/*
 * test_rules_lang.c: the rules language: what a file parses into, and the
 * FILE:LINE:COL of every kind of error (rules_lang.h, rules.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "rules_lang.h"

#define NELEM(a)	(sizeof (a) / sizeof *(a))

#define RULE_OK \
	"rule r\n" \
	"    severity warning\n" \
	"    title \"T\"\n" \
	"    tlsrpt none\n" \
	"    when tls_up\n" \
	"    message \"m\"\n"

/* Each broken file and the start of the message it must give. */
static const struct {
	const char	*text;
	const char	*error;
} broken[] = {
	{ "bogus line\n", "t.rules:1:1: error: expected 'fact' or 'rule'" },
	{ "# c\n\nfact x on * context /(unclosed/\n",
	  "t.rules:3:31: error: bad pattern: missing closing parenthesis "
	  "(at offset 9 of the pattern)" },
	{ "fact x on * context /a\\/b\\/(c/\n",
	  "t.rules:1:30: error: bad pattern: missing closing parenthesis "
	  "(at offset 6 of the pattern)" },
	{ "fact x on * context /a\n",
	  "t.rules:1:21: error: pattern not closed with /" },
	{ "fact x on * context /a/q\n",
	  "t.rules:1:24: error: unknown pattern flag 'q'" },
	{ "fact x on ?* context /a/\n",
	  "t.rules:1:11: error: '?' is not an event" },
	{ "fact x on * column /a/\n",
	  "t.rules:1:13: error: expected the column: data or context" },
	{ "fact x * context /a/\n",
	  "t.rules:1:8: error: expected 'on' after the fact's name" },
	{ "fact x on * data /a/ extra\n",
	  "t.rules:1:22: error: unexpected text after the pattern" },
	{ "rule r\n    severity fatal\n",
	  "t.rules:2:14: error: expected error, warning or info" },
	{ "rule r\n    tlsrpt starttls-broken\n",
	  "t.rules:2:12: error: expected an RFC 8460 result type" },
	{ "rule r\n    title T\n",
	  "t.rules:2:11: error: expected a \"quoted string\"" },
	{ "rule r\n    title \"T\n",
	  "t.rules:2:11: error: string not closed with \"" },
	{ "rule r\n    frobnicate\n",
	  "t.rules:2:5: error: expected severity, title, tlsrpt, when, "
	  "message or hint in rule r" },
	{ "rule r\n    when tls_up and\n",
	  "t.rules:2:20: error: expected a name, 'not' or '('" },
	{ "rule r\n    when (tls_up\n",
	  "t.rules:2:17: error: expected ')'" },
	{ "rule r\n    when tls_up tls_up\n",
	  "t.rules:2:17: error: unexpected text after the expression" },
	{ "rule r\n    when messages_accepted > x\n",
	  "t.rules:2:30: error: expected a number or a \"string\"" },
	{ "rule r\n    message \"a {b\"\n",
	  "t.rules:2:13: error: expected {name} in text" },
	{ "rule r\n    message \"a } b\"\n",
	  "t.rules:2:13: error: '}' without '{' in text" },
	{ "rule r\n    message \"m\" when x\n",
	  "t.rules:2:17: error: expected 'if' or the end of the line" },
	{ "rule r\n    severity info\n",
	  "t.rules:1:6: error: rule r has no when" },
	{ "rule r\n    severity info if tls_up\n    title \"T\"\n"
	  "    tlsrpt none\n    when tls_up\n    message \"m\"\n",
	  "t.rules:1:6: error: rule r: the last severity needs no 'if'" },
	{ RULE_OK RULE_OK, "t.rules:7:6: error: rule r is already defined" },
	/* The name is compared with every rule before it, and freed once. */
	{ "rule a\n    severity info\n    title \"T\"\n    tlsrpt none\n"
	  "    when tls_up\n    message \"m\"\n"
	  "rule b\n    severity info\n    title \"T\"\n    tlsrpt none\n"
	  "    when tls_up\n    message \"m\"\n"
	  "rule a\n", "t.rules:13:6: error: rule a is already defined" },
	{ RULE_OK "    when tls_up\n",
	  "t.rules:7:5: error: a second 'when' for rule r" },
	/* Found when names are resolved, after every file is read. */
	{ "rule r\n    severity warning\n    title \"T\"\n    tlsrpt none\n"
	  "    when no_such_fact\n    message \"m\"\n",
	  "t.rules:5:10: error: unknown name 'no_such_fact'" },
	{ RULE_OK "    hint \"{nope}\"\n",
	  "t.rules:7:10: error: unknown name 'nope'" },
	{ "fact tls_up on * context /x/\n",
	  "t.rules:1:6: error: fact 'tls_up' has the name of a session "
	  "attribute" },
	{ "fact f on * context /(?<connector>x)/\n",
	  "t.rules:1:21: error: group name 'connector' is already the name "
	  "of a session attribute" },
};

/* Load text as the only rules file; returns the rules or NULL with err. */
static struct rules *
load(const char *text, char *err, size_t errsz)
{
	static const char *const files[] = { "t.rules" };
	struct rules_config cfg;
	struct rules *r;
	FILE *fp;

	fp = fopen("t.rules", "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	memset(&cfg, 0, sizeof cfg);
	cfg.files = files;
	cfg.nfiles = 1;
	cfg.no_default = 1;
	r = rules_new(&cfg, err, errsz);
	unlink("t.rules");
	return r;
}

static void
test_errors(void **state)
{
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(broken); i++) {
		struct rules *r = load(broken[i].text, err, sizeof err);

		if (r != NULL) {
			rules_free(r);
			fail_msg("case %zu was accepted: %s", i, broken[i].text);
		}
		if (strncmp(err, broken[i].error, strlen(broken[i].error)) != 0)
			fail_msg("case %zu:\n  got  %s\n  want %s...", i, err,
			    broken[i].error);
	}
}

static void
test_missing_file(void **state)
{
	static const char *const files[] = { "/nonexistent/x.rules" };
	struct rules_config cfg;
	char err[512];

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.files = files;
	cfg.nfiles = 1;
	assert_null(rules_new(&cfg, err, sizeof err));
	assert_string_equal(err, "/nonexistent/x.rules: error: No such file "
	    "or directory");
}

static void
test_selection(void **state)
{
	static const char *const only[] = { "weak-tls" };
	static const char *const nope[] = { "no-such-rule" };
	struct rules_config cfg;
	struct rules *r;
	char err[512], *out = NULL;
	size_t size = 0;
	FILE *fp;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	cfg.only = only;
	cfg.nonly = 1;
	r = rules_new(&cfg, err, sizeof err);
	assert_non_null(r);
	fp = open_memstream(&out, &size);
	rules_list(r, fp);
	fclose(fp);
	assert_string_equal(out, "weak-tls                   warning  "
	    "Weak TLS\n");
	free(out);
	rules_free(r);

	cfg.only = nope;
	assert_null(rules_new(&cfg, err, sizeof err));
	assert_string_equal(err, "error: no rule 'no-such-rule' (see "
	    "--list-rules)");
}

/* The pre-filter literal: what every match must contain, or none. */
static void
test_literals(void **state)
{
	static const struct {
		const char	*pattern;
		const char	*literal;	/* NULL: none */
	} cases[] = {
		{ "/Tls cipher strength is too weak/",
		  "Tls cipher strength is too weak" },
		{ "/remote doesn['’]t support TLS/", "t support TLS" },
		{ "/TLS negotiation failed with error (?<e>\\S+)/",
		  "TLS negotiation failed with error " },
		{ "/abcd?efghi/", "efghi" },
		{ "/abc*defgh/", "defgh" },
		{ "/x{2}yyyy/", "yyyy" },
		{ "/a\\.b\\.cde/", "a.b.cde" },
		{ "/foo|barbaz/", NULL },
		{ "/(?:foo|bar)bazqux/", "bazqux" },
		{ "/starttls/i", NULL },
		{ "/ab/", NULL },
		{ "/\\Qa.b\\E/", NULL },
		{ "/[abc]/", NULL },
		{ "/(?i)connector is configured/", NULL },
		{ "/(*UCP)connector is configured/", NULL },
		{ "/(?:x)connector is configured/", "connector is configured" },
		/* Found by fuzzing: a brace that is no quantifier hid a "|",
		 * and \x41 is one character, not "41". */
		{ "/Oubo{|/", NULL },
		{ "/\\x41BCDE/", NULL },
		{ "/\\p{L}abcdef/", NULL },
		{ "/(x)\\1abcdef/", NULL },
		{ "/ab{2,3}cdef/", "cdef" },
		{ "/ab{2,}cdefg/", "cdefg" },
		{ "/\\dabc\\sxyz/", "abc" },
	};
	struct rules_lang lang;
	char text[256], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(&lang, 0, sizeof lang);
		snprintf(text, sizeof text, "fact f on * data %s\n",
		    cases[i].pattern);
		if (rules_lang_parse(&lang, "t", text, strlen(text), err,
		    sizeof err) == -1)
			fail_msg("%s: %s", cases[i].pattern, err);
		assert_int_equal(lang.npatterns, 1);
		if (cases[i].literal == NULL) {
			if (lang.patterns[0].literal != NULL)
				fail_msg("%s: literal '%s', want none",
				    cases[i].pattern, lang.patterns[0].literal);
		} else {
			if (lang.patterns[0].literal == NULL)
				fail_msg("%s: no literal, want '%s'",
				    cases[i].pattern, cases[i].literal);
			assert_string_equal(lang.patterns[0].literal,
			    cases[i].literal);
		}
		rules_lang_free(&lang);
	}
}

/* A rule of a later file replaces the one with its id; facts add up. */
static void
test_replace(void **state)
{
	static const char a[] = "fact f on * data /aaa/\n" RULE_OK;
	static const char b[] = "fact f on < data /bbb/\n"
	    "rule r\n    severity error\n    title \"New\"\n"
	    "    tlsrpt none\n    when f\n    message \"m\"\n";
	struct rules_lang lang;
	char err[256];

	(void)state;
	memset(&lang, 0, sizeof lang);
	assert_int_equal(rules_lang_parse(&lang, "a", a, strlen(a), err,
	    sizeof err), 0);
	assert_int_equal(rules_lang_parse(&lang, "b", b, strlen(b), err,
	    sizeof err), 0);
	assert_int_equal(lang.npatterns, 2);
	assert_int_equal(lang.nrules, 1);
	assert_string_equal(lang.rules[0].title, "New");
	assert_string_equal(lang.rules[0].pos.file, "b");
	assert_int_equal(lang.rules[0].pos.line, 2);
	/* A broken third file leaves what was loaded as it was. */
	assert_int_equal(rules_lang_parse(&lang, "c", "rule\n", 5, err,
	    sizeof err), -1);
	assert_int_equal(lang.nrules, 1);
	assert_string_equal(lang.rules[0].title, "New");
	rules_lang_free(&lang);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_replace),
	};

	return cmocka_run_group_tests_name("rules_lang", tests, NULL, NULL);
}

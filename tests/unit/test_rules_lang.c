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

/*
 * Patterns and subjects to match them on, each pattern on each subject:
 * anchored or not, caseless, with alternatives, options set inside,
 * lookarounds, empty matches, Unicode classes, verbs; subjects empty, not
 * ASCII, not UTF-8, and with the characters that match 's' and 'k'
 * caselessly in UTF mode (U+017F, U+212A).
 */
static const char *const match_patterns[] = {
	"/^(?<r>[45]\\d\\d[ -][45]\\.7\\.\\d{1,3} .*STARTTLS.*)$/i",
	"/TLS negotiation failed with error (?<e>\\S+)/",
	"/^abc/", "/^abc/i", "/abc/", "/abc/i", "/^ABC/i", "/(?i)^abc/",
	"/^a|^B/", "/^a|b/", "/^a|^b/i", "/^(?:ab|cd)/", "/^(?:ab|cd)/i",
	"/^k/i", "/^s/i", "/^K/i", "/^S/i", "/^(?i)k/", "/^(?i:s)x/",
	"/^[k]/i", "/^[kK]/", "/^[Kk]x/i", "/^\\x{212A}/i", "/^\\x{17F}/i",
	"/^st/i", "/^(?:S|s)/", "/^x|^(?i)s/",
	"/^(?=x)/", "/^(?=[ab])\\w+/", "/^(?!a)./", "/^(?<=a)b/", "/^x?/",
	"/^/", "/^$/", "/^.*X/s", "/.*X/s", "/(?s).*X/", "/.*X/", "/^.+X/s",
	"/\\Aab/", "/\\Gab/", "/(?m)^ab/", "/^\\s*250 /", "/ ^ a b /x",
	"/^\\xe9/i", "/^\\xc9/i", "/^\\x{b5}/i", "/^\\x{3bc}/i", "/^[\\p{Lu}]/",
	"/^\\p{L}+/", "/^[\\x{e0}-\\x{ff}]/i", "/^[^a]/", "/^\\D/",
	"/^\\W/i", "/^\\w/", "/^\\d{3} /", "/^\\X/", "/^./", "/^.{3}/",
	"/^(*ACCEPT)a/", "/^(?:a(*ACCEPT)|b)c/", "/^a\\Kb/", "/^(a)\\1/i",
	"/^(?|(a)|(b))c/", "/^(?(?=a)ab|cd)/", "/^(?<n>x)(?&n)/",
	"/^(?:ab)*c/", "/^(?>a+)b/", "/^a(*COMMIT)b|ac/",
	"/(*NOTEMPTY)a*/", "/(*NOTEMPTY_ATSTART)a*/", "/(*NO_JIT)^abc/",
	"/(*NO_START_OPT)^abc/", "/(*UCP)^\\w/i", "/(*UTF)^\\x{212A}/i",
};

#define SUBJECT(s)	{ s, sizeof s - 1 }

static const struct {
	const char	*s;
	size_t		 len;
} match_subjects[] = {
	SUBJECT(""), SUBJECT("a"), SUBJECT("A"), SUBJECT("b"), SUBJECT("B"),
	SUBJECT("x"), SUBJECT("X"), SUBJECT("ab"), SUBJECT("abc"),
	SUBJECT("ABC"), SUBJECT("xabc"), SUBJECT("aab"), SUBJECT("bc"),
	SUBJECT("cd"), SUBJECT("CD"), SUBJECT("ac"), SUBJECT("xx"),
	SUBJECT("k"), SUBJECT("K"), SUBJECT("\xE2\x84\xAA"),
	SUBJECT("\xE2\x84\xAAx"), SUBJECT("s"), SUBJECT("S"),
	SUBJECT("\xC5\xBF"), SUBJECT("\xC5\xBFx"), SUBJECT("\xC5\xBFt"),
	SUBJECT("\xC3\xA9"), SUBJECT("\xC3\x89"), SUBJECT("\xC2\xB5"),
	SUBJECT("\xCE\x9C"), SUBJECT("\xCE\xBC"), SUBJECT("\xC3\xA0z"),
	SUBJECT("\x80X"), SUBJECT("a\x80X"), SUBJECT("\xFF"),
	SUBJECT("\xC3"), SUBJECT("\xC3X"), SUBJECT("ab\xE2\x84"),
	SUBJECT("\0abc"), SUBJECT("\n"), SUBJECT(" 250 "), SUBJECT("250 "),
	SUBJECT("250 2.0.0 OK"),
	SUBJECT("530 5.7.0 Must issue a STARTTLS command first"),
	SUBJECT("451 4.7.3 starttls failed"),
	SUBJECT("530-5.7.1 STARTTLS"), SUBJECT("530 5.7.0 \xC5\xBFTARTTL\xC5\xBF"),
	SUBJECT("530 5.7.0 STARTTLS\x80"), SUBJECT("\x80" "530 5.7.0 STARTTLS"),
	SUBJECT("TLS negotiation failed with error UnknownCredentials"),
};

/* A pattern, as the only fact of a rules file, into lang. */
static const struct fact_pattern *
parse_pattern(struct rules_lang *lang, const char *pattern)
{
	char text[256], err[256];

	memset(lang, 0, sizeof *lang);
	snprintf(text, sizeof text, "fact f on * data %s\n", pattern);
	if (rules_lang_parse(lang, "t", text, strlen(text), err,
	    sizeof err) == -1)
		fail_msg("%s: %s", pattern, err);
	assert_int_equal(lang->npatterns, 1);
	return &lang->patterns[0];
}

/*
 * Subject i of match_subjects in buf, with zeroes after it: PCRE2's JIT
 * reads ahead of the end.
 */
static const char *
subject(size_t i, char *buf, size_t bufsz)
{
	assert_true(match_subjects[i].len + 64 <= bufsz);
	memset(buf, 0, bufsz);
	memcpy(buf, match_subjects[i].s, match_subjects[i].len);
	return buf;
}

/* A pattern matched with pcre2_jit_match() matches as with pcre2_match(). */
static void
test_jit_match(void **state)
{
	pcre2_match_data *md1, *md2;
	const struct fact_pattern *f;
	struct rules_lang lang;
	PCRE2_SIZE *ov1, *ov2;
	char buf[256];
	const char *s;
	size_t i, j, len;
	int rc1, rc2;

	(void)state;
	md1 = pcre2_match_data_create(16, NULL);
	md2 = pcre2_match_data_create(16, NULL);
	ov1 = pcre2_get_ovector_pointer(md1);
	ov2 = pcre2_get_ovector_pointer(md2);
	for (i = 0; i < NELEM(match_patterns); i++) {
		f = parse_pattern(&lang, match_patterns[i]);
		for (j = 0; j < NELEM(match_subjects); j++) {
			s = subject(j, buf, sizeof buf);
			len = match_subjects[j].len;
			rc1 = pcre2_match(f->re, (PCRE2_SPTR)s, len, 0, 0, md1,
			    NULL);
			rc2 = f->jit ? pcre2_jit_match(f->re, (PCRE2_SPTR)s,
			    len, 0, 0, md2, NULL) : pcre2_match(f->re,
			    (PCRE2_SPTR)s, len, 0, 0, md2, NULL);
			if (rc1 != rc2 || (rc1 > 0 && (ov1[0] != ov2[0] ||
			    ov1[1] != ov2[1])))
				fail_msg("%s on subject %zu: pcre2_match() %d, "
				    "with jit %d %d", match_patterns[i], j,
				    rc1, f->jit, rc2);
		}
		rules_lang_free(&lang);
	}
	pcre2_match_data_free(md1);
	pcre2_match_data_free(md2);
}

/*
 * The pre-filter: a subject pattern_may_match() turns down is one PCRE2
 * matches neither with its JIT nor with its interpreter (used when JIT
 * is not available); and it does turn some down.
 */
static void
test_may_match(void **state)
{
	static const struct {
		const char	*pattern;
		const char	*subject;
		int		 may;
	} some[] = {
		{ "/^(?<r>[45]\\d\\d[ -][45]\\.7\\.\\d{1,3} .*STARTTLS.*)$/i",
		  "250 2.0.0 OK", 0 },
		{ "/^(?<r>[45]\\d\\d[ -][45]\\.7\\.\\d{1,3} .*STARTTLS.*)$/i",
		  "530 5.7.0", 0 },
		{ "/^(?<r>[45]\\d\\d[ -][45]\\.7\\.\\d{1,3} .*STARTTLS.*)$/i",
		  "530 5.7.0 Must issue a STARTTLS command first", 1 },
		{ "/^abc/i", "xbc", 0 },
		{ "/^abc/i", "Abc", 1 },
		{ "/^k/i", "\xE2\x84\xAA", 1 },
		{ "/^(?=x)/", "", 0 },
		{ "/abc/", "ab", 0 },
		{ "/abc/i", "xyz", 1 },		/* unanchored: PCRE2 looks */
		{ "/.*X/s", "\x80X", 1 },
	};
	pcre2_match_data *md;
	const struct fact_pattern *f;
	struct rules_lang lang;
	char buf[256];
	const char *s;
	size_t i, j, len;
	int jit, interp;

	(void)state;
	md = pcre2_match_data_create(16, NULL);
	for (i = 0; i < NELEM(match_patterns); i++) {
		f = parse_pattern(&lang, match_patterns[i]);
		for (j = 0; j < NELEM(match_subjects); j++) {
			s = subject(j, buf, sizeof buf);
			len = match_subjects[j].len;
			jit = pcre2_match(f->re, (PCRE2_SPTR)s, len, 0, 0, md,
			    NULL);
			interp = pcre2_match(f->re, (PCRE2_SPTR)s, len, 0,
			    PCRE2_NO_JIT, md, NULL);
			if ((jit >= 0 || interp >= 0) &&
			    !pattern_may_match(f, s, len))
				fail_msg("%s matches subject %zu (jit %d, "
				    "interpreter %d), turned down",
				    match_patterns[i], j, jit, interp);
		}
		rules_lang_free(&lang);
	}
	pcre2_match_data_free(md);
	for (i = 0; i < NELEM(some); i++) {
		f = parse_pattern(&lang, some[i].pattern);
		if (pattern_may_match(f, some[i].subject,
		    strlen(some[i].subject)) != some[i].may)
			fail_msg("%s on \"%s\": want %d", some[i].pattern,
			    some[i].subject, some[i].may);
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
		cmocka_unit_test(test_jit_match),
		cmocka_unit_test(test_may_match),
	};

	return cmocka_run_group_tests_name("rules_lang", tests, NULL, NULL);
}

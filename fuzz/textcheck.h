/*
 * textcheck.h: checks of text meant for a terminal and of CSV, for the
 * fuzz targets.
 */
#ifndef TEXTCHECK_H
#define TEXTCHECK_H

#include <stddef.h>

/*
 * Whether code point c must not reach a terminal raw (escape.h): C0
 * controls, DEL, C1 controls, and the bidirectional marks, embeddings,
 * overrides and isolates U+200E, U+200F, U+202A..U+202E, U+2066..U+2069.
 */
int	text_unsafe_char(unsigned long c);

/*
 * 1 when s[0..len) is valid UTF-8 holding no character that
 * text_unsafe_char() refuses, but for the bytes in allow (e.g. "\n");
 * else 0, with the offset and the reason.
 */
int	text_safe(const char *s, size_t len, const char *allow, size_t *off,
	    const char **why);

/*
 * 1 when s[0..len) is RFC 4180 CSV: records ended by CRLF, each of
 * nfields fields, a field either quoted (inner quotes doubled) or free of
 * quotes, CR and LF; and no field starts with a character a spreadsheet
 * takes for a formula (= + - @ TAB CR).  Else 0, with the offset and the
 * reason.
 */
int	csv_valid(const char *s, size_t len, size_t nfields, size_t *off,
	    const char **why);

#endif

/*
 * textcheck.c: see textcheck.h.
 */
#include <string.h>

#include "jsoncheck.h"
#include "textcheck.h"

int
text_unsafe_char(unsigned long c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
	    c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	    (c >= 0x2066 && c <= 0x2069);
}

int
text_safe(const char *s, size_t len, const char *allow, size_t *off,
    const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(u + i, len - i, &cp)) == 0) {
			*off = i;
			*why = "invalid UTF-8";
			return 0;
		}
		if (text_unsafe_char(cp) && !(cp != 0 && cp < 0x80 &&
		    allow != NULL && strchr(allow, (int)cp) != NULL)) {
			*off = i;
			*why = cp < 0x80 ? "a C0 control character or DEL" :
			    cp < 0xA0 ? "a C1 control character" :
			    "a bidirectional formatting character";
			return 0;
		}
		i += n;
	}
	return 1;
}

int
csv_valid(const char *s, size_t len, size_t nfields, size_t *off,
    const char **why)
{
	size_t i = 0, fields;

	while (i < len) {
		for (fields = 0;;) {
			size_t start = i;
			int formula;

			fields++;
			if (i < len && s[i] == '"') {
				i++;
				formula = i < len &&
				    strchr("=+-@\t\r", s[i]) != NULL;
				for (;;) {
					if (i >= len) {
						*off = start;
						*why = "quoted field not closed";
						return 0;
					}
					if (s[i] == '"' && i + 1 < len &&
					    s[i + 1] == '"') {
						i += 2;
						continue;
					}
					if (s[i] == '"')
						break;
					i++;
				}
				i++;
				if (formula && s[start + 1] != '"') {
					*off = start;
					*why = "a field that starts like a "
					    "formula";
					return 0;
				}
			} else {
				formula = i < len && s[i] != ',' &&
				    strchr("=+-@\t\r", s[i]) != NULL &&
				    !(s[i] == '\r' && i + 1 < len &&
				    s[i + 1] == '\n');
				while (i < len && s[i] != ',' &&
				    s[i] != '\r' && s[i] != '\n') {
					if (s[i] == '"') {
						*off = i;
						*why = "a quote in an unquoted "
						    "field";
						return 0;
					}
					i++;
				}
				if (formula) {
					*off = start;
					*why = "a field that starts like a "
					    "formula";
					return 0;
				}
			}
			if (i < len && s[i] == ',') {
				i++;
				continue;
			}
			if (len - i >= 2 && s[i] == '\r' && s[i + 1] == '\n') {
				i += 2;
				break;
			}
			*off = i;
			*why = i < len ? "a field followed by something else "
			    "than a comma or CRLF" : "last record not ended "
			    "by CRLF";
			return 0;
		}
		if (fields != nfields) {
			*off = i;
			*why = "a record with another number of fields";
			return 0;
		}
	}
	return 1;
}

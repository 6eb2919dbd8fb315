/*
 * escape.h: putting text that a remote server chose on our output safely.
 *
 * Banners and replies in a log are bytes of any kind: not always UTF-8,
 * sometimes control characters or terminal escape sequences.
 *
 * esc_text writes text for a person: valid UTF-8 that is not a control
 * or bidirectional-override character passes as it is; anything else is
 * shown visibly as \xNN (a byte) or \u{XXXX} (a character), so that no byte
 * from a log can move the cursor of the terminal that reads the report.
 *
 * esc_json writes a JSON string (with its quotes) that is valid UTF-8 and
 * valid JSON whatever the input: control characters become \uXXXX and each
 * byte that is not part of valid UTF-8 becomes U+FFFD.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>
#include <stdio.h>

void	esc_text(FILE *, const char *s, size_t len);
void	esc_json(FILE *, const char *s, size_t len);
void	esc_json_str(FILE *, const char *s);	/* NUL-terminated; NULL gives null */

/*
 * esc_text into buf (bufsz > 4 bytes), cut at a character boundary with
 * "..." when it does not fit.  For quoting input in diagnostics.
 */
char	*esc_text_buf(char *buf, size_t bufsz, const char *s, size_t len);

/*
 * Length of the valid UTF-8 sequence at s[0..len), and its code point in
 * *cp; 0 when s does not start with one.
 */
size_t	utf8_decode(const unsigned char *s, size_t len, unsigned long *cp);

#endif

/*
 * fuzz.h: what the fuzz targets share (fuzz/README.md).
 *
 * Each target checks what the headers in include/ promise, beyond "does
 * not crash"; a broken promise is reported with FUZZ_CHECK, which prints
 * the reason and aborts, so that libFuzzer saves the input as a crash.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The entry points libFuzzer calls. */
int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message when cond does not hold. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

void	fuzz_fail(const char *file, int line, const char *cond,
	    const char *fmt, ...) __attribute__((noreturn,
	    format(printf, 4, 5)));

/*
 * Silence the program's diagnostics (diag.c writes to stderr): stderr is
 * pointed at /dev/null, so that diag() still formats every message, while
 * libFuzzer and the sanitizers keep writing to file descriptor 2.  With
 * FUZZ_DIAG=1 in the environment the diagnostics are shown.
 */
void	fuzz_quiet_stderr(void);

/* A stream over a private copy of data[0..size); NULL never. */
FILE	*fuzz_open_input(const uint8_t *data, size_t size, char **copy);

/* A stream into memory: fuzz_mem_open, write, fuzz_mem_close. */
struct fuzz_mem {
	FILE	*fp;
	char	*buf;
	size_t	 len;
};

void	fuzz_mem_open(struct fuzz_mem *);
/* Flush and close the stream; buf (NUL-terminated) and len stay valid. */
void	fuzz_mem_close(struct fuzz_mem *);
void	fuzz_mem_free(struct fuzz_mem *);

/*
 * Long lines from short inputs: each "\xFF\xFE" followed by a byte k
 * stands for (k + 1)^2 * 16 copies of the byte before it (16 bytes to
 * 1 MiB; at most 1.125 MiB in all), so that the fuzzer can reach the
 * 1 MiB line limit of the reader.  Returns a malloc'd buffer (size in
 * *outsize), or NULL when data holds no such marker.
 */
uint8_t	*fuzz_expand(const uint8_t *data, size_t size, size_t *outsize);

/* Split data into lines at LF (the LF not included); calls fn for each. */
void	fuzz_lines(const uint8_t *data, size_t size,
	    void (*fn)(const char *line, size_t len, void *arg), void *arg);

#endif

# sendlog-scan

VERSION	= 0.4.7

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man

CC	?= cc
CFLAGS	?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef \
	   -Wvla -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

# make SANITIZE=1 check: the same build and tests under ASan and UBSan, in
# a build directory of its own so that objects never mix.
ifeq ($(SANITIZE),1)
BUILD	?= build-sanitize
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
else
BUILD	?= build
SANFLAGS =
endif

ALL_CFLAGS   = -std=c11 -pthread $(WARNINGS) $(CFLAGS) $(SANFLAGS)
ALL_CPPFLAGS = -Iinclude -D_POSIX_C_SOURCE=200809L -DVERSION='"$(VERSION)"' \
	       $(PCRE2_CFLAGS) $(LIBARCHIVE_CFLAGS) $(CPPFLAGS)
PCRE2_CFLAGS != pkg-config --cflags libpcre2-8 2>/dev/null || true
PCRE2_LIBS   != pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8
# libarchive is not linked: src/input.c loads it (dlopen) at the first zip
# archive, which spares every other run its start-up.  Only its headers
# are needed to build, and the library itself by the tests that write zips.
LIBARCHIVE_CFLAGS != pkg-config --cflags libarchive 2>/dev/null || true
LIBARCHIVE_LIBS != pkg-config --libs libarchive 2>/dev/null || echo -larchive
LIBS	= -lcsv $(PCRE2_LIBS) -lz -ljansson -ldl
ALL_LDFLAGS  = -pthread $(SANFLAGS) $(LDFLAGS)

# One module per stage: input -> reader -> sessions -> rules -> report.
MODULES	= cpus diag xmalloc escape logtime strmap memfind input reader ehlo session \
	  rules_parse rules filter summary jsonw report report_text \
	  report_json report_tlsrpt merge scan
OBJS	= $(MODULES:%=$(BUILD)/%.o) $(BUILD)/default_rules.o
UNITS	= $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

BIN	= $(BUILD)/sendlog-scan

# The packages a Debian machine needs to build and test.
DEB_PACKAGES = gcc make pkg-config libcsv-dev libpcre2-dev libcmocka-dev \
	       zlib1g-dev libarchive-dev libjansson-dev mandoc jq

.PHONY: all check unit unit-portable e2e hold-check lint-man diag-check install uninstall clean deps \
	demo bench

all: sendlog-scan

sendlog-scan: $(BIN)
	cp $(BIN) $@

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) Makefile | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The built-in rules, compiled into the binary as a string.
$(BUILD)/default_rules.c: rules/default.rules | $(BUILD)
	@{ echo '/* Made from rules/default.rules by the Makefile. */'; \
	  echo '#include <stddef.h>'; \
	  echo 'extern const char default_rules_text[];'; \
	  echo 'extern const size_t default_rules_len;'; \
	  echo 'const char default_rules_text[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; \
	  echo 'const size_t default_rules_len = sizeof default_rules_text - 1;'; \
	} > $@

$(BUILD)/default_rules.o: $(BUILD)/default_rules.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BIN): $(OBJS) $(BUILD)/main.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD):
	mkdir -p $@

$(BUILD)/test_%: tests/unit/test_%.c $(OBJS) $(wildcard include/*.h)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes \
	    -o $@ $< $(OBJS) $(ALL_LDFLAGS) $(LIBS) $(LIBARCHIVE_LIBS) -lcmocka

check: deps unit unit-portable e2e hold-check lint-man diag-check

unit: $(UNITS:%=$(BUILD)/%)
	@failed=0; for t in $^; do \
	    echo "== $$t"; $$t || failed=1; \
	done; test $$failed = 0

# The reader's portable loop, which x86-64 builds do not take (they scan
# with SSE2 or AVX2): the reader tests again with it, in $(BUILD)-portable/.
unit-portable:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-portable \
	    CFLAGS='$(CFLAGS) -DREADER_NO_SIMD' $(BUILD)-portable/test_reader
	@echo "== $(BUILD)-portable/test_reader (READER_NO_SIMD)"
	@$(BUILD)-portable/test_reader

e2e: $(BIN)
	@SANITIZE=$(SANITIZE) tests/e2e/run $(BIN)

# Memory bounded when the report is not read (tests/hold-check).
hold-check: $(BIN)
	@tests/hold-check $(BIN)

lint-man:
	mandoc -T lint -W warning man/sendlog-scan.1

# Every diagnostic of src/*.c and every limit of include/*.h in the manual.
diag-check:
	@tests/diag-check

# The README's quick start: build, then scan the bundled samples.
demo: deps all
	./sendlog-scan samples/logs; test $$? -le 1

deps:
	@command -v dpkg-query >/dev/null 2>&1 || exit 0; \
	missing=; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	        grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	test -z "$$missing" && exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "sendlog-scan: missing packages:$$missing" >&2; \
	    echo "run: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi; \
	echo "installing:$$missing"; \
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

# make bench [BENCH_MB=1024] [BENCH_RUNS=5] [BENCH_DIR=$(BUILD)/bench-corpus]:
# generate a corpus of send logs (bench/gen.c) and time sendlog-scan on it
# next to cat, grep -c, a libcsv-only reader and sendlog-scan's own reader
# alone (bench/run).  No timing is
# asserted; not part of check.
$(BUILD)/gen: bench/gen.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -o $@ $< $(ALL_LDFLAGS)

$(BUILD)/libcsv-only: bench/libcsv-only.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -o $@ $< $(ALL_LDFLAGS) -lcsv

$(BUILD)/reader-only: bench/reader-only.c $(OBJS) | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(BUILD)/reader.o \
	    $(BUILD)/logtime.o $(BUILD)/diag.o $(BUILD)/escape.o \
	    $(BUILD)/xmalloc.o $(ALL_LDFLAGS) -lcsv

bench: $(BIN) $(BUILD)/gen $(BUILD)/libcsv-only $(BUILD)/reader-only
	BENCH_MB='$(BENCH_MB)' BENCH_RUNS='$(BENCH_RUNS)' \
	    BENCH_DIR='$(BENCH_DIR)' bench/run $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 sendlog-scan $(DESTDIR)$(BINDIR)/sendlog-scan
	install -m 644 man/sendlog-scan.1 $(DESTDIR)$(MANDIR)/man1/sendlog-scan.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sendlog-scan \
	    $(DESTDIR)$(MANDIR)/man1/sendlog-scan.1

clean:
	rm -rf build build-sanitize build-portable build-sanitize-portable \
	    sendlog-scan

# libFuzzer targets (fuzz/README.md).  make fuzz-build: each fuzz/fuzz_NAME.c
# linked with the modules above, all built by clang under ASan and UBSan in
# $(BUILD)-fuzz/.  make fuzz: replay fuzz/regressions/, then run each target
# for FUZZ_SECONDS on a copy of its seed corpus, in $(BUILD)-fuzz/work/NAME/;
# fails when a target crashes, leaks or times out.
FUZZ_TARGETS	= reader pipeline rules ehlo escape jobs
FUZZ_BUILD	= $(BUILD)-fuzz
FUZZ_CC		= clang
FUZZ_SANFLAGS	= -fsanitize=fuzzer-no-link,address,undefined \
		  -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_HELPERS	= fuzz/jsoncheck.c fuzz/textcheck.c fuzz/fuzzutil.c
FUZZ_SECONDS	?= 60
FUZZ_OPTIONS	= -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -seed=1

.PHONY: fuzz fuzz-build

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    CFLAGS='-g -O1 -DHOLD_MAX=65536 -DROWS_BETWEEN_LOOKS=4 \
	    -DBATCH_BYTES=2048' \
	    SANFLAGS='$(FUZZ_SANFLAGS)' \
	    $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# Used by fuzz-build, with BUILD set to the fuzzing build directory.
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HELPERS) $(wildcard fuzz/*.h) $(OBJS)
	$(CC) $(ALL_CPPFLAGS) -Ifuzz $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ \
	    $< $(FUZZ_HELPERS) $(OBJS) $(ALL_LDFLAGS) $(LIBS)

fuzz: fuzz-build
	@failed=; \
	for t in $(FUZZ_TARGETS); do \
	    bin=$(FUZZ_BUILD)/fuzz_$$t; w=$(FUZZ_BUILD)/work/$$t; \
	    rm -rf $$w && mkdir -p $$w/corpus $$w/artifacts || exit 2; \
	    for f in fuzz/regressions/$$t-*; do \
	        test -f "$$f" || continue; \
	        $$bin $(FUZZ_OPTIONS) -artifact_prefix=$$w/artifacts/ "$$f" \
	            >>$$w/regressions.log 2>&1 || { \
	            echo "fuzz_$$t: FAILED on $$f (see $$w/regressions.log)"; \
	            failed="$$failed $$f"; }; \
	    done; \
	    cp fuzz/corpus/$$t/* $$w/corpus/; \
	    dict=; test -f fuzz/$$t.dict && dict=-dict=fuzz/$$t.dict; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s, log in $$w/fuzz.log"; \
	    if $$bin $(FUZZ_OPTIONS) -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$$w/artifacts/ $$dict $$w/corpus \
	        >$$w/fuzz.log 2>&1; then \
	        grep -h '^stat::number_of_executed_units' $$w/fuzz.log; \
	    else \
	        tail -n 40 $$w/fuzz.log; \
	        echo "fuzz_$$t: FAILED, input in $$w/artifacts/"; \
	        failed="$$failed $$t"; \
	    fi; \
	done; \
	test -z "$$failed" || { echo "fuzz: failures:$$failed"; exit 1; }

# sendlog-scan

VERSION	= 0.3.0

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

ALL_CFLAGS   = -std=c11 $(WARNINGS) $(CFLAGS) $(SANFLAGS)
ALL_CPPFLAGS = -Iinclude -D_POSIX_C_SOURCE=200809L -DVERSION='"$(VERSION)"' \
	       $(PCRE2_CFLAGS) $(CPPFLAGS)
PCRE2_CFLAGS != pkg-config --cflags libpcre2-8 2>/dev/null || true
PCRE2_LIBS   != pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8
LIBARCHIVE_LIBS != pkg-config --libs libarchive 2>/dev/null || echo -larchive
LIBS	= -lcsv $(PCRE2_LIBS) $(LIBARCHIVE_LIBS) -lz -ljansson
ALL_LDFLAGS  = $(SANFLAGS) $(LDFLAGS)

# One module per stage: input -> reader -> sessions -> rules -> report.
MODULES	= diag xmalloc escape logtime strmap input reader ehlo session \
	  rules_parse rules filter summary jsonw report report_text \
	  report_json report_tlsrpt merge scan
OBJS	= $(MODULES:%=$(BUILD)/%.o) $(BUILD)/default_rules.o
UNITS	= $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

BIN	= $(BUILD)/sendlog-scan

# The packages a Debian machine needs to build and test.
DEB_PACKAGES = gcc make pkg-config libcsv-dev libpcre2-dev libcmocka-dev \
	       zlib1g-dev libarchive-dev libjansson-dev mandoc jq

.PHONY: all check unit e2e lint-man install uninstall clean deps demo

all: sendlog-scan

sendlog-scan: $(BIN)
	cp $(BIN) $@

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)
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
	    -o $@ $< $(OBJS) $(ALL_LDFLAGS) $(LIBS) -lcmocka

check: deps unit e2e lint-man

unit: $(UNITS:%=$(BUILD)/%)
	@failed=0; for t in $^; do \
	    echo "== $$t"; $$t || failed=1; \
	done; test $$failed = 0

e2e: $(BIN)
	@tests/e2e/run $(BIN)

lint-man:
	mandoc -T lint -W warning man/sendlog-scan.1

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

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 sendlog-scan $(DESTDIR)$(BINDIR)/sendlog-scan
	install -m 644 man/sendlog-scan.1 $(DESTDIR)$(MANDIR)/man1/sendlog-scan.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sendlog-scan \
	    $(DESTDIR)$(MANDIR)/man1/sendlog-scan.1

clean:
	rm -rf build build-sanitize sendlog-scan

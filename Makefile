# SPDX-License-Identifier: ISC
#
# lisp-ztr: plain GNU make.  Sources are found by wildcard, so a new module
# needs no Makefile edit:
#   lib/ crypto/ dataplane/ control/ lispd/*.c (but lispd/main.c)  -> liblispztr.a
#   lispd/main.c                                                   -> lisp-ztr
#   tools/NAME.c                                                   -> NAME
#   tests/unit/test_NAME.c                                         -> Check suite
#   fuzz/fuzz_NAME.c                                               -> libFuzzer target
#   bench/bench_NAME.c                                             -> benchmark
#
# Targets: all check sanitize fuzz bench install uninstall clean
# Variables: V=1 (verbose), WERROR=1 (default when CI=true), SANITIZE=1,
#            BUILD=dir, PREFIX, DESTDIR, MANDIR, FUZZ_SECONDS.

PREFIX		?= /opt/zededa
DESTDIR		?=
FUZZ_SECONDS	?= 30

ifeq ($(SANITIZE),1)
BUILD		?= build-san
SAN_FLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined
else
BUILD		?= build
SAN_FLAGS	:=
endif

ifeq ($(CI),true)
WERROR		?= 1
endif

CC		?= cc
PKG_CONFIG	?= pkg-config
PKGS		:= libpcap libsodium libcrypto json-c libnl-3.0 libnl-route-3.0 \
		   libmnl liburcu-qsbr liburcu-cds libseccomp libcap-ng libxxhash

WARN		:= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		   -Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
		   -Wsign-compare -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN		+= -Werror
endif

OPT		?= -O2 -g
CPPFLAGS	+= -D_GNU_SOURCE -Ilib -Icrypto -Idataplane -Icontrol -Ilispd \
		   $(shell $(PKG_CONFIG) --cflags $(PKGS))
CFLAGS		+= -std=gnu11 $(OPT) $(WARN) -fstack-protector-strong \
		   -pthread -MMD -MP $(SAN_FLAGS)
LDFLAGS		+= -pthread $(SAN_FLAGS)
LDLIBS		+= $(shell $(PKG_CONFIG) --libs $(PKGS)) -lev -lm

CHECK_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS	:= $(shell $(PKG_CONFIG) --libs check)

ifeq ($(V),1)
Q		:=
else
Q		:= @
endif

LIB_SRCS	:= $(wildcard lib/*.c crypto/*.c dataplane/*.c control/*.c) \
		   $(filter-out lispd/main.c,$(wildcard lispd/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB		:= $(BUILD)/liblispztr.a

DAEMON		:= $(if $(wildcard lispd/main.c),$(BUILD)/lisp-ztr)
TOOL_SRCS	:= $(wildcard tools/*.c)
TOOLS		:= $(TOOL_SRCS:tools/%.c=$(BUILD)/%)
TEST_SRCS	:= $(wildcard tests/unit/test_*.c)
TESTS		:= $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRCS	:= $(wildcard bench/bench_*.c)
BENCHES		:= $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
TESTHELP_SRCS	:= $(wildcard tests/helpers/*.c)
TESTHELPERS	:= $(TESTHELP_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

BINS		:= $(DAEMON) $(TOOLS)

.PHONY: all check unit sanitize tsan fuzz bench install uninstall clean deps
.SECONDARY:
all: $(BINS) $(TESTHELPERS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/lisp-ztr: $(BUILD)/lispd/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%: $(BUILD)/tools/%.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/helpers/%: $(BUILD)/tests/helpers/%.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The whole suite: unit suites, then the script tests (decoders, netns).
check: all $(TESTS)
	$(Q)BUILD=$(BUILD) ./tests/run.sh

# Unit suites only (the sanitizer run uses it too).
unit: all $(TESTS)
	$(Q)BUILD=$(BUILD) ./tests/run.sh --unit-only

# Check's per-test timeout (4 s) only guards against hangs; under ASan a
# test that maps the map-cache's large virtual reservations runs 2-7 s
# (shadow memory), so the sanitized run gets ten times the time.
sanitize:
	$(Q)CK_TIMEOUT_MULTIPLIER=10 $(MAKE) --no-print-directory SANITIZE=1 \
	    OPT="-O1 -g" unit

# ThreadSanitizer run of the map-cache stress test (build-tsan/); also run
# by tests/sh/mapcache_tsan.sh.  setarch -R: TSan needs the classic layout.
tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-tsan OPT="-O1 -g" \
	    SAN_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
	    build-tsan/tests/test_mapcache_stress
	$(Q)CK_FORK=no TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$(CURDIR)/tests/unit/mapcache_tsan.supp" \
	    setarch -R build-tsan/tests/test_mapcache_stress

# libFuzzer targets, built with clang, each run for FUZZ_SECONDS seconds
# seeded from the captures.
fuzz:
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run.sh

bench: all $(BENCHES)
	$(Q)BUILD=$(BUILD) ./bench/run.sh

# Layout of the old zedctr image: $(PREFIX)/bin/<program>, the example
# configuration in $(PREFIX)/lisp/ (next to lisp.config, which install
# never touches), manual pages under $(MANDIR).  Every program in $(BINS)
# is installed, so lig, rig, lispctl and lisp-replay come along as soon
# as their tools/NAME.c exists.
MANDIR		?= $(PREFIX)/share/man
MANPAGES	:= $(wildcard docs/man/*.[1-8])
CONF_EXAMPLE	:= docs/lisp.config.example

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -D -m 0644 $(CONF_EXAMPLE) \
	    $(DESTDIR)$(PREFIX)/lisp/lisp.config.example
	$(Q)for m in $(MANPAGES); do \
		s=$${m##*.}; \
		echo "install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}"; \
		install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(BINS)))
	rm -f $(DESTDIR)$(PREFIX)/lisp/lisp.config.example
	rm -f $(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	@# Only the directories install made, only when empty, never above
	@# $(PREFIX): lisp/ keeps a site's lisp.config.
	-@for d in $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lisp \
	    $(addprefix $(DESTDIR)$(MANDIR)/man,1 5 8) $(DESTDIR)$(MANDIR) \
	    $(DESTDIR)$(PREFIX)/share $(DESTDIR)$(PREFIX); do \
		rmdir "$$d" 2>/dev/null; \
	done; true

deps:
	./scripts/install-deps.sh

clean:
	rm -rf build build-san build-fuzz build-tsan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

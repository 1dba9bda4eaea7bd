# sockwatch: Linux TCP connection-state monitor.
#   make             build ./sockwatch (installs missing Debian packages as root)
#   make run         build and open the monitor
#   make check       build and run the test suite (SANITIZE=1: ASan + UBSan;
#                    VALGRIND=1: under valgrind's memcheck)
#   make bench       run the benchmarks in bench/ (root)
#   make fuzz        run each fuzz target for FUZZ_SECONDS (default 60)
#   make install     PREFIX=/usr/local DESTDIR= (SYSTEMDUNITDIR= for the unit)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

# The build directory: BUILD=build-clang CC=clang keeps a second build
# beside the first.  SANITIZE=1 builds in build-san unless BUILD is given.
ifeq ($(SANITIZE),1)
BUILD ?= build-san
else
BUILD ?= build
endif
ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif

# Evaluated lazily: pkg-config runs after the dependency check has installed
# what was missing.
PKG_CFLAGS = $(shell pkg-config --cflags libmnl ncursesw libbpf libmicrohttpd)
PKG_LIBS = $(shell pkg-config --libs libmnl ncursesw libbpf)
# libmicrohttpd is opened by name when a metrics endpoint starts (see
# src/output/metrics_http.c), not linked.
MHD_SONAME = $(shell objdump -p "$$(pkg-config --variable=libdir \
	libmicrohttpd)/libmicrohttpd.so" 2>/dev/null | \
	awk '$$1 == "SONAME" { print $$2 }')
TEST_CFLAGS = $(shell pkg-config --cflags criterion)
TEST_LIBS = $(shell pkg-config --libs criterion)

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -Iinclude $(WARNINGS) $(SANFLAGS) \
	$(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = -pthread $(SANFLAGS) $(LDFLAGS)

# The BPF programs of src/collect/bpf/: the exact-mode collector's
# (tcp_states) and the socket owners' iterator (task_sockets).  Each is
# compiled for the BPF target (CO-RE: the kernel types it reads are
# declared in the tree, so the object does not depend on the build
# machine's kernel) and embedded in the one object that loads it by a
# light skeleton header bpftool generates.
BPF_CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
GEN = $(BUILD)/gen
# <asm/types.h> is in the host's multiarch directory, which clang does not
# search for the BPF target.
BPF_CFLAGS = -target bpf -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-I/usr/include/$(shell $(BPF_CLANG) -print-multiarch 2>/dev/null) \
	-Isrc/collect/bpf
ifeq ($(WERROR),1)
BPF_CFLAGS += -Werror
endif

LIB_SRC = $(filter-out src/cmd/main.c,$(wildcard src/*/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/src/cmd/main.o
TEST_SRC = $(wildcard tests/*.c tests/support/*.c)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:%.c=$(BUILD)/%)

PROG = $(BUILD)/sockwatch
DEPS_STAMP = $(BUILD)/.deps-build
TEST_DEPS_STAMP = $(BUILD)/.deps-test

.PHONY: all run check test-build bench install uninstall clean layers fuzz

all: $(PROG) sockwatch

sockwatch: $(PROG)
	@if [ "$(BUILD)" = build ]; then ln -sf $(PROG) sockwatch; fi

run: all
	./sockwatch $(ARGS)

$(DEPS_STAMP):
	@mkdir -p $(@D)
	@sh scripts/deps.sh build
	@touch $@

$(TEST_DEPS_STAMP):
	@mkdir -p $(@D)
	@sh scripts/deps.sh test
	@touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/src/output/metrics_http.o: ALL_CFLAGS += \
	-DSOCKWATCH_MHD_SONAME='"$(MHD_SONAME)"'

# Linked by bpftool (which keeps BTF and drops DWARF) before embedding.
$(GEN)/%.bpf.o: src/collect/bpf/%.bpf.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -MMD -MP -MF $(GEN)/$*.bpf.d -MT $@ \
		-c -o $(GEN)/$*.raw.o $<
	$(BPFTOOL) gen object $@ $(GEN)/$*.raw.o

# A light skeleton: a loader program the kernel runs, which applies the
# CO-RE relocations against the kernel's own BTF, so this process does not
# read and index all of it, as libbpf's loader would.
$(GEN)/%.lskel.h: $(GEN)/%.bpf.o
	$(BPFTOOL) gen skeleton -L $< name $* > $@.tmp
	mv $@.tmp $@

# Kept between builds, though only pattern rules name them.
.SECONDARY: $(GEN)/tcp_states.bpf.o $(GEN)/task_sockets.bpf.o \
	$(GEN)/tcp_states.lskel.h $(GEN)/task_sockets.lskel.h

# The objects that include a skeleton: one each.
$(BUILD)/src/collect/exact.o: $(GEN)/tcp_states.lskel.h
$(BUILD)/src/collect/sock_iter.o: $(GEN)/task_sockets.lskel.h
$(BUILD)/src/collect/exact.o $(BUILD)/src/collect/sock_iter.o: \
		$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(GEN) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c | $(DEPS_STAMP) $(TEST_DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests -Isrc -c -o $@ $<

$(BUILD)/libsockwatch.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(PROG): $(MAIN_OBJ) $(BUILD)/libsockwatch.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# --wrap=recvmsg: tests/support/nl_spoof.c lets a test play the kernel.
$(BUILD)/tests/run: $(TEST_OBJ) $(BUILD)/libsockwatch.a
	$(CC) $(ALL_LDFLAGS) -Wl,--wrap=recvmsg -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libsockwatch.a | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsockwatch.a $(PKG_LIBS)

test-build: $(PROG) $(BUILD)/tests/run $(BENCH_BIN)

# Criterion runs each test in its own process; -j2 matches the machines we
# run on. Tests that need root skip themselves with a message otherwise.
# VALGRIND=1: the same suite under memcheck (scripts/valgrind-check.sh),
# from a build without sanitizers.
ifeq ($(VALGRIND),1)
ifeq ($(SANITIZE),1)
$(error VALGRIND=1 and SANITIZE=1 do not go together)
endif
check: test-build layers
	SOCKWATCH_BIN=$(CURDIR)/$(PROG) sh scripts/valgrind-check.sh \
		$(BUILD)/tests/run --jobs=2 $(CHECK_ARGS)
else
check: test-build layers
	SOCKWATCH_BIN=$(CURDIR)/$(PROG) ASAN_OPTIONS=detect_leaks=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		$(BUILD)/tests/run --jobs=2 $(CHECK_ARGS)
endif

layers:
	@sh scripts/check-layers.sh

bench: $(PROG) $(BENCH_BIN)
	@sh scripts/deps.sh bench
	SOCKWATCH_BIN=$(CURDIR)/$(PROG) BUILD=$(BUILD) bench/run

# Every libFuzzer target of fuzz/ for FUZZ_SECONDS each, from its seeds.
FUZZ_SECONDS ?= 60
fuzz:
	@sh scripts/deps.sh fuzz
	$(MAKE) -C fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

install: $(PROG)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 755 $(PROG) $(DESTDIR)$(BINDIR)/sockwatch
	install -m 644 man/sockwatch.8 $(DESTDIR)$(MANDIR)/man8/sockwatch.8
	install -m 644 completions/sockwatch.bash $(DESTDIR)$(BASHCOMPDIR)/sockwatch
	install -m 644 completions/_sockwatch $(DESTDIR)$(ZSHCOMPDIR)/_sockwatch
	install -m 644 completions/sockwatch.fish $(DESTDIR)$(FISHCOMPDIR)/sockwatch.fish
	sed 's|/usr/local/sbin/sockwatch|$(BINDIR)/sockwatch|' \
		dist/sockwatch-metrics.service > $(DESTDIR)$(SYSTEMDUNITDIR)/sockwatch-metrics.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/sockwatch-metrics.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockwatch $(DESTDIR)$(MANDIR)/man8/sockwatch.8 \
		$(DESTDIR)$(BASHCOMPDIR)/sockwatch $(DESTDIR)$(ZSHCOMPDIR)/_sockwatch \
		$(DESTDIR)$(FISHCOMPDIR)/sockwatch.fish \
		$(DESTDIR)$(SYSTEMDUNITDIR)/sockwatch-metrics.service

clean:
	rm -rf build build-san $(BUILD) sockwatch

# build/tools holds what the tests fetch (Prometheus' package): not ours.
-include $(shell find $(BUILD) -path $(BUILD)/tools -prune -o -name '*.d' \
	-type f -print 2>/dev/null)

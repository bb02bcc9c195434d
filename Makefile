# liaison: one hand-written Makefile. `make V=1` shows commands; `make SANITIZE=1` builds with ASan and UBSan.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build
PKGS := libsodium libzmq libprotobuf-c sqlite3 libsystemd inih jansson libxml-2.0

CC ?= cc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP -Ilib -Idaemon -Iclient -Ikeys -I$(BUILD)/gen
# Where the CAP 1.2 schema is found: this tree, then the installed copy (lib/cap.h).
CAP_DEFS = -DCAP_SCHEMA_SOURCE='"$(CURDIR)/data/cap/CAP-v1.2.xsd"' -DCAP_SCHEMA_INSTALLED='"$(PREFIX)/share/liaison/CAP-v1.2.xsd"'
CFLAGS += $(CAP_DEFS)
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(CFLAGS) $(PKG_CFLAGS)
LIBS = $(PKG_LIBS) -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

GEN := $(BUILD)/gen/liaison.pb-c.c $(BUILD)/gen/liaison.pb-c.h
LIB_SRC := $(wildcard lib/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))
KEYS_SRC := $(filter-out keys/main.c,$(wildcard keys/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ := $(call obj,$(LIB_SRC)) $(BUILD)/obj/gen/liaison.pb-c.o
DAEMON_OBJ := $(call obj,$(DAEMON_SRC))
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
KEYS_OBJ := $(call obj,$(KEYS_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
PROGRAMS := $(BUILD)/liaisond $(BUILD)/liaison $(BUILD)/liaison-keys

.PHONY: all deps check-deps check soak fuzz bench bench-relay run install uninstall clean
.SECONDARY:
all: $(PROGRAMS)

# Rebuild everything when the flags change (SANITIZE=1 and back).
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(LDFLAGS)' > $@
FORCE:

$(GEN) &: proto/liaison.proto
	@mkdir -p $(BUILD)/gen
	$(Q)protoc-c --c_out=$(BUILD)/gen -Iproto proto/liaison.proto

$(BUILD)/obj/gen/liaison.pb-c.o: $(BUILD)/gen/liaison.pb-c.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-error -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN) $(BUILD)/flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libliaison.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libliaisond.a: $(DAEMON_OBJ) $(BUILD)/flags
	$(Q)rm -f $@ && ar rcs $@ $(DAEMON_OBJ)
$(BUILD)/libclient.a: $(CLIENT_OBJ) $(BUILD)/flags
	$(Q)rm -f $@ && ar rcs $@ $(CLIENT_OBJ)
$(BUILD)/libkeys.a: $(KEYS_OBJ) $(BUILD)/flags
	$(Q)rm -f $@ && ar rcs $@ $(KEYS_OBJ)

$(BUILD)/liaisond: $(BUILD)/obj/daemon/main.o $(BUILD)/libliaisond.a $(BUILD)/libliaison.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/liaison: $(BUILD)/obj/client/main.o $(BUILD)/libclient.a $(BUILD)/libliaison.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/liaison-keys: $(BUILD)/obj/keys/main.o $(BUILD)/libkeys.a $(BUILD)/libliaison.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests link libliaison; test_daemon_*, test_client_* and test_keys_* also
# link that program's modules.
TEST_LINK = $(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcmocka
$(BUILD)/tests/test_daemon_%: $(BUILD)/obj/tests/unit/test_daemon_%.o $(BUILD)/libliaisond.a $(BUILD)/libliaison.a
	@mkdir -p $(dir $@)
	$(TEST_LINK)
$(BUILD)/tests/test_client_%: $(BUILD)/obj/tests/unit/test_client_%.o $(BUILD)/libclient.a $(BUILD)/libliaison.a
	@mkdir -p $(dir $@)
	$(TEST_LINK)
$(BUILD)/tests/test_keys_%: $(BUILD)/obj/tests/unit/test_keys_%.o $(BUILD)/libkeys.a $(BUILD)/libliaison.a
	@mkdir -p $(dir $@)
	$(TEST_LINK)
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/libliaison.a
	@mkdir -p $(dir $@)
	$(TEST_LINK)

deps:
	@scripts/install-deps.sh build
check-deps:
	@scripts/install-deps.sh check

# `make check`: installs what is missing, builds, runs unit, integration and
# (with clang) short fuzz runs; ends with "N passed, N failed".
check: check-deps
	@$(MAKE) --no-print-directory all tests
	@$(if $(shell command -v clang),$(MAKE) --no-print-directory fuzz,)
	@BUILD=$(BUILD) tests/run.sh

# `make soak`: the long forms, for hours: the crash, partition and
# starvation runs, then (with clang) an hour of fuzzing per target and a
# frame storm against a running node; scripts/soak.sh runs them in turn.
soak: check-deps
	@$(MAKE) --no-print-directory all tests
	@$(if $(shell command -v clang),$(MAKE) --no-print-directory fuzz,)
	@BUILD=$(BUILD) scripts/soak.sh

.PHONY: tests
tests: $(UNIT_BIN) $(TOOL_BIN)

# Fuzz targets (tests/fuzz/fuzz_*.c), one per parser that the network, the
# API socket or a file reaches. `make fuzz` builds them for libFuzzer with
# clang, ASan and UBSan (objects once, under $(BUILD)/fuzzobj); `make tests`
# links each with a small replay main instead (tests/fuzz/replay_main.c, any
# compiler, sanitizers with SANITIZE=1), so make check replays the seed
# corpora (tests/fuzz/corpus/NAME/) even without clang. `make fuzz-run
# FUZZ_SECONDS=N` fuzzes each target for N seconds (default 60).
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_BIN := $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
REPLAY_BIN := $(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -std=c11 -g -O1 -D_GNU_SOURCE $(CAP_DEFS) -MMD -MP -Ilib -Idaemon -Iclient -I$(BUILD)/gen $(PKG_CFLAGS) \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_OBJ := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRC) $(DAEMON_SRC) $(CLIENT_SRC)) $(BUILD)/fuzzobj/gen/liaison.pb-c.o
tests: $(REPLAY_BIN)
fuzz: $(FUZZ_BIN)
$(BUILD)/fuzzobj/gen/liaison.pb-c.o: $(BUILD)/gen/liaison.pb-c.c
	@mkdir -p $(dir $@)
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(BUILD)/fuzzobj/%.o: %.c $(GEN)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LIBS)
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o \
		$(BUILD)/libliaisond.a $(BUILD)/libclient.a $(BUILD)/libliaison.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  REPLAY  $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

.PHONY: fuzz-run
fuzz-run: fuzz
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz-soak.sh


# Small programs the integration tests use (tests/tools/*.c, linked with libliaison).
$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libliaison.a $(GEN) $(BUILD)/flags
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TOOL    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libliaison.a $(LIBS)

# `make run TOPOLOGY=relay`: ALPHA and CHARLIE reach each other only through HQ.
TOPOLOGY ?= mesh
run: deps all
	@TOPOLOGY=$(TOPOLOGY) scripts/run-federation.sh

bench:
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -C bench BUILD=$(abspath $(BUILD))
	@BUILD=$(BUILD) bench/run.sh

# Through one relay on a 64 kbit/s link (network namespaces: needs root).
bench-relay: all tests
	@BUILD=$(BUILD) bench/relay_link.sh

# Where `make install` puts things (under $(DESTDIR)$(PREFIX)); `make
# uninstall` removes exactly these.
MANPAGES := $(wildcard docs/*.1 docs/*.5 docs/*.8)
COMPLETIONS := $(wildcard completions/*)
DOCDIR = $(PREFIX)/share/doc/liaison
COMPDIR = $(PREFIX)/share/bash-completion/completions
UNITDIR = $(PREFIX)/lib/systemd/system
DATADIR = $(PREFIX)/share/liaison
INSTALLED = $(PREFIX)/bin/liaison $(PREFIX)/bin/liaison-keys $(PREFIX)/sbin/liaisond \
	$(foreach m,$(MANPAGES),$(PREFIX)/share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	$(foreach c,$(COMPLETIONS),$(COMPDIR)/$(notdir $(c))) \
	$(DOCDIR)/liaisond.conf.example $(DATADIR)/CAP-v1.2.xsd \
	$(UNITDIR)/liaisond.service $(PREFIX)/lib/sysusers.d/liaison.conf $(PREFIX)/lib/tmpfiles.d/liaison.conf

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/liaison $(BUILD)/liaison-keys $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/liaisond $(DESTDIR)$(PREFIX)/sbin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 docs/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(DATADIR)
	install -m 0644 data/cap/CAP-v1.2.xsd $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DOCDIR) $(DESTDIR)$(COMPDIR)
	install -m 0644 docs/liaisond.conf.example $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(COMPLETIONS) $(DESTDIR)$(COMPDIR)/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|' systemd/liaisond.service > $(DESTDIR)$(UNITDIR)/liaisond.service
	install -m 0644 systemd/liaison.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/liaison.conf
	install -m 0644 systemd/liaison.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/liaison.conf

# Removes what `make install` put there (not /etc/liaison or the store:
# those belong to the administrator), and liaison's own documentation and data folders.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/fuzzobj $(BUILD)/fuzz -name '*.d' 2>/dev/null)

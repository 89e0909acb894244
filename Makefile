# tops — terminal deployment console for Kubernetes.
# Sources are picked up by wildcard: core/*/*.c, tui/*.c, cli/*.c, tests/kubesim/*.c,
# tests/unit/test_*.c and tests/fuzz/fuzz_*.c need no Makefile edit.

CC      ?= cc
PKGS    := ncursesw libuv libcurl libcjson yaml-0.1 zlib libpcre2-8 libcrypto
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE
PKGCF   := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIB  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhttp_parser -lwslay -lcrypt -lm -lpthread
ALLCF   := $(WARN) $(CFLAGS) $(PKGCF) -I.
SANFL   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

CORE_SRC := $(wildcard core/*/*.c)
TUI_SRC  := $(wildcard tui/*.c)
CLI_SRC  := $(wildcard cli/*.c)
SERVE_SRC := $(wildcard serve/*.c)
SIM_SRC  := $(wildcard tests/kubesim/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

CORE_OBJ := $(CORE_SRC:%.c=obj/%.o)
TUI_OBJ  := $(TUI_SRC:%.c=obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=obj/%.o)
SERVE_OBJ := $(SERVE_SRC:%.c=obj/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=obj/%.o)
SAN_OBJ  := $(CORE_SRC:%.c=obj-san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=bin/test/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=bin/fuzz/%)

PREFIX ?= /usr/local

.PHONY: all deps test unit demo bench fuzz screenshots install clean check-deps
all: bin/tops bin/kubesim

obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCF) -MMD -MP -c $< -o $@

obj-san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCF) -O1 $(SANFL) -MMD -MP -c $< -o $@

obj/libtopscore.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

obj-san/libtopscore.a: $(SAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

bin/tops: $(CLI_OBJ) $(TUI_OBJ) $(SERVE_OBJ) obj/libtopscore.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(TUI_OBJ) $(SERVE_OBJ) obj/libtopscore.a $(PKGLIB) -lssl

bin/kubesim: $(SIM_OBJ) obj/libtopscore.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $(SIM_OBJ) obj/libtopscore.a $(PKGLIB)

bin/test/%: tests/unit/%.c obj-san/libtopscore.a
	@mkdir -p bin/test
	$(CC) $(ALLCF) -O1 $(SANFL) -MMD -MP -o $@ $< obj-san/libtopscore.a $(PKGLIB) -lcmocka

# libFuzzer targets: the core compiled once with clang (-DTOPS_FUZZ), linked into each target.
FUZZCF  := $(WARN) -Wno-unused-function -g -O1 -fsanitize=fuzzer-no-link,address,undefined $(PKGCF) -I. -DTOPS_FUZZ
FUZZ_OBJ := $(CORE_SRC:%.c=obj-fuzz/%.o)

obj-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZCF) -MMD -MP -c $< -o $@

obj-fuzz/libtopscore.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

bin/fuzz/%: tests/fuzz/%.c obj-fuzz/libtopscore.a
	@mkdir -p bin/fuzz
	clang $(WARN) -Wno-unused-function -g -O1 -fsanitize=fuzzer,address,undefined $(PKGCF) -I. \
	  -DTOPS_FUZZ -o $@ $< obj-fuzz/libtopscore.a $(PKGLIB)

unit: $(UNIT_BIN)

deps:
	@tests/deps.sh

HAVE_CLANG := $(shell command -v clang >/dev/null 2>&1 && echo yes)
test: deps
	@$(MAKE) -j2 --no-print-directory all unit $(if $(HAVE_CLANG),$(FUZZ_BIN))
	@tests/run.sh

demo: deps all
	@tests/demo.sh

bench: all
	@tests/bench/run.sh

fuzz: deps $(FUZZ_BIN)
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} tests/fuzz/run.sh

screenshots: all
	@tests/screen/screenshots.sh

install: all
	install -D -m 0755 bin/tops $(DESTDIR)$(PREFIX)/bin/tops
	install -D -m 0644 docs/tops.1 $(DESTDIR)$(PREFIX)/share/man/man1/tops.1
	install -d $(DESTDIR)$(PREFIX)/share/tops/themes
	install -m 0644 themes/*.yaml $(DESTDIR)$(PREFIX)/share/tops/themes/

clean:
	rm -rf bin obj obj-san obj-fuzz

-include $(CORE_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVE_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
-include $(UNIT_BIN:=.d)  # unit tests compile tui/ sources in

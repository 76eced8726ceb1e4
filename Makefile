# ancong: one non-recursive Makefile so that `make -j` sees the whole graph.
#
#   make              build bin/ancong
#   make run          the main job: install packages, build, start, process samples, watch
#   make test         the whole test suite (ends with "N passed, N failed")
#   make test-unit | test-integration | test-browser | test-chaos | test-asan
#   make bench        benchmarks (throughput vs bare tesseract, accuracy, signing, search)
#   make fuzz         libFuzzer targets (clang), FUZZ_SECONDS each
#   make deps         install the Debian packages ancong needs (root)
#
# Knobs: SANITIZE=address,undefined  DEVELOPER=1 (-Werror, default on)  O=build dir

CC       ?= cc
O        ?= build
DEVELOPER ?= 1
PKGS     := tesseract lept poppler-glib cairo vips libpq openssl libmicrohttpd \
            libsodium libarchive libutf8proc zbar libqrencode
PKGS     += libtiff-4
PKGS     += pangocairo
PKGS     += zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# CFLAGS is the user's (optimisation, extra flags); ALL_CFLAGS adds what the project needs,
# so `make CFLAGS=-O0` keeps the include paths and warnings.
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wno-missing-field-initializers $(if $(findstring clang,$(CC)),,-Wno-format-truncation) \
            -fno-strict-aliasing -MMD -MP -I. $(PKG_CFLAGS) $(if $(filter 1,$(DEVELOPER)),-Werror)
LDLIBS   += $(PKG_LIBS) -ldl -lm -lpthread
LDLIBS   += -lz
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

LIB_DIRS := common ocr pipeline workers watchfolders signing web store backfill cases
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CMD_SRCS := $(wildcard cmd/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIB_OBJS += $(O)/gen/web_static.o
CMD_OBJS := $(CMD_SRCS:%.c=$(O)/%.o)
# schema/NNNN_*.sql embedded into the binary (store/migrate.c); schema.list
# changes when a file is added or removed, so the generated file follows.
SCHEMA_SQL := $(sort $(wildcard schema/*.sql))
LIB_OBJS += $(O)/gen/schema_sql.o
$(shell mkdir -p $(O)/gen; echo '$(SCHEMA_SQL)' | cmp -s - $(O)/gen/schema.list || echo '$(SCHEMA_SQL)' > $(O)/gen/schema.list)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(O)/tools/%)
# Fuzz targets, replayed over their regression inputs in `make test` (gcc build).
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)

.PHONY: all run test test-unit test-integration test-browser test-chaos test-asan \
        bench fuzz deps clean check-deps

BIN := $(if $(SANITIZE),$(O)/bin/ancong,bin/ancong)

all: $(BIN)

$(BIN): $(CMD_OBJS) $(O)/libancong.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CMD_OBJS) $(O)/libancong.a $(LDLIBS)

$(O)/libancong.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	@ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/gen/schema_sql.c: $(SCHEMA_SQL) $(O)/gen/schema.list scripts/embed-sql.sh
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@./scripts/embed-sql.sh $(SCHEMA_SQL) > $@.tmp && mv $@.tmp $@

$(O)/gen/schema_sql.o: $(O)/gen/schema_sql.c
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c tests/unit/t.h $(O)/libancong.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libancong.a $(LDLIBS)

$(O)/tools/%: tests/tools/%.c $(O)/libancong.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libancong.a $(LDLIBS)

# web/static/* embedded into the binary (no files to ship beside it, no CDN).
WEB_STATIC := $(sort $(wildcard web/static/*))
$(O)/gen/web_static.c: $(WEB_STATIC) scripts/embed-static.sh
	@mkdir -p $(@D)
	@echo "  EMBED   $@"
	@./scripts/embed-static.sh $@ $(WEB_STATIC)
$(O)/gen/web_static.o: $(O)/gen/web_static.c web/web_int.h
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

tests-build: $(BIN) $(UNIT_BINS) $(TOOL_BINS) $(FUZZ_REPLAY)
.PHONY: tests-build

# The main job (README's first command): packages, build, database, samples, watch.
# Package installation runs first and the build in a sub-make, because
# pkg-config flags are read when a Makefile is parsed.
run:
	@./scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@./scripts/run.sh

deps:
	@./scripts/deps.sh --test

# README's second command; .ci/run calls exactly this.
test:
	@./scripts/deps.sh --test
	@$(MAKE) --no-print-directory -j$$(nproc) tests-build
	@./tests/run.sh all

test-unit: tests-build
	@./tests/run.sh unit

test-integration: tests-build
	@./tests/run.sh integration

test-browser: tests-build
	@./tests/run.sh browser

test-chaos: tests-build
	@./tests/run.sh chaos

test-asan:
	@./scripts/deps.sh --test
	@$(MAKE) --no-print-directory -j$$(nproc) O=build-asan SANITIZE=address,undefined CFLAGS="-O1 -g" tests-build
	@ANCONG_BUILD=build-asan ./tests/run.sh asan

bench:
	@./scripts/deps.sh --test
	@$(MAKE) --no-print-directory -j$$(nproc) tests-build
	@./bench/run.sh

fuzz:
	@./tests/fuzz/run.sh

$(O)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(O)/libancong.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(O)/libancong.a $(LDLIBS)

print-ldlibs:
	@echo $(LDLIBS)
print-cflags:
	@echo $(filter-out -Werror -MMD -MP,$(ALL_CFLAGS))
.PHONY: print-ldlibs print-cflags

clean:
	rm -rf $(O) build-asan build-fuzz bin

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)

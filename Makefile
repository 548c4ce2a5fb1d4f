# xengnttab-rs: build, install and test a drop-in libxengnttab.so.1.
#   make                 library, static archive, header, pkg-config files in build/
#   make test            every check (unit, ABI, header, pkg-config, real Xen lab); installs deps
#   make check           every check that needs no Xen (the inner loop: no QEMU)
#   make lab | demo      the real-Xen lab alone | a side-by-side demo on real Xen
#                        (LAB_STACK=debian12 | debian12-k612 | debian13 | debian12-arm64 | debian12-armhf: compat/lab/README.md)
#   make bench           benchmarks on real Xen, Debian's library against ours (BENCHMARKS.md)
#   make deb             Debian packages (debian/, dpkg-buildpackage) in build/deb/, checked by lintian
#                        (CROSS_ARCH=arm64|armhf: that architecture's, in build/aarch64/deb/ or build/armhf/deb/)
#   make install PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu DESTDIR=...
#   make arm64 | armhf   the library, static archive, xengnt and the examples for aarch64 in build/aarch64/, or for
#                        32-bit armhf in build/armhf/ (cross-built; `make deps` installs the cross tools;
#                        compat/check-cross arm64|armhf checks its ABI and struct layouts)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
CC ?= cc
CARGO ?= cargo

# Cross builds for Debian's Arm architectures: CROSS_ARCH=arm64 (aarch64, in build/aarch64/) or
# CROSS_ARCH=armhf (32-bit ARMv7 hard-float, in build/armhf/), with any target (`make arm64` is
# `make CROSS_ARCH=arm64` plus xengnt and the examples; `make deb CROSS_ARCH=arm64` the
# packages). Debian 12's Xen libraries of that architecture (compat/fetch-sysroot, cached in
# .cache/<arch>) to link against; glibc is the cross toolchain's (libc6-dev-arm64-cross,
# libc6-dev-armhf-cross). Per architecture: the Rust target, the GNU tools' prefix, the output
# folder.
CROSS_RUST_arm64 := aarch64-unknown-linux-gnu
CROSS_GNU_arm64 := aarch64-linux-gnu
CROSS_OUT_arm64 := aarch64
CROSS_RUST_armhf := armv7-unknown-linux-gnueabihf
CROSS_GNU_armhf := arm-linux-gnueabihf
CROSS_OUT_armhf := armhf
CROSS_ARCH ?=
# TARGET is the Rust target, CROSS the prefix of the GNU tools for it (CC defaults to
# $(CROSS)gcc, AR and OBJCOPY to $(CROSS)ar and $(CROSS)objcopy: the host's binutils only know
# x86), XEN_LIBDIR where the target's libxentoollog and libxentoolcore are, B the output
# folder. CROSS_ARCH sets them all; unset, the build is the host's.
ifneq ($(CROSS_ARCH),)
TARGET := $(CROSS_RUST_$(CROSS_ARCH))
CROSS := $(CROSS_GNU_$(CROSS_ARCH))-
B := build/$(CROSS_OUT_$(CROSS_ARCH))
ifeq ($(TARGET),)
$(error CROSS_ARCH=$(CROSS_ARCH): arm64 or armhf)
endif
# fetched (or found in the cache) once, when a recipe first needs it
SYSROOT = $(eval SYSROOT := $(or $(shell compat/fetch-sysroot $(CROSS_ARCH)),$(error compat/fetch-sysroot $(CROSS_ARCH) failed)))$(SYSROOT)
XEN_LIBDIR = $(SYSROOT)/usr/lib/$(CROSS_GNU_$(CROSS_ARCH))
endif
TARGET ?=
CROSS ?=
XEN_LIBDIR ?=
B ?= build
ifneq ($(CROSS),)
ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
endif
ifeq ($(origin AR),default)
AR := $(CROSS)ar
endif
OBJCOPY ?= $(CROSS)objcopy

RUST_ARCHIVE := target/capi/libxengnttab.a
ifneq ($(TARGET),)
RUST_ARCHIVE := target/$(TARGET)/capi/libxengnttab.a
endif
SO := $(B)/libxengnttab.so.1.2
comma := ,
EXPORTS := $(shell grep -o 'xeng[a-z_]*;' libxengnttab.map | tr -d ';')

.PHONY: all arm64 armhf cross-unlocked deps test check lab demo bench install deb clean FORCE

all: $(SO) $(B)/libxengnttab.a

# cargo decides itself whether anything changed; build.rs regenerates include/xengnttab.h. The
# crate types are asked for here (Cargo.toml lists rlib only, so that crates depending on ours
# build no staticlib). rlib too: a staticlib-only rustc run keeps the strings of std's panic
# messages in the object (.so 26.5 KB instead of 22.4, compat/check-no-panic fails), with rlib
# beside it the build is the one we had.
$(RUST_ARCHIVE): FORCE
	XENGNTTAB_HEADER=$(CURDIR)/include/xengnttab.h $(CARGO) rustc --profile capi --locked --lib --features capi \
		--crate-type rlib,staticlib $(if $(TARGET),--target $(TARGET))

# One relocatable object holding our code plus the few parts of core/std it uses, with every
# symbol but the 20 exports made local and std's embedded LLVM bitcode dropped (it trips ar's
# LTO plugin). rustc's cdylib would impose its own version script and lose VERS_1.0/1.1/1.2, so
# the .so is linked from this object instead. xengnttab.syms.o keeps every symbol name for
# compat/check-no-panic; xengnttab.o also drops the symbols no relocation needs, among them
# the undefined references of std sections that --gc-sections discarded (__tls_get_addr
# would otherwise make ld-linux a DT_NEEDED). On 32-bit Arm the EHABI unwind tables
# (.ARM.exidx/.ARM.extab) go too: each references a personality routine
# (__aeabi_unwind_cpp_pr0/pr1) only libgcc_s.so.1 exports, a DT_NEEDED upstream has not, for
# unwinding that panic=abort never does (an unwinder reaching our frames stops there, as at
# upstream's C frames built without -fexceptions). Elsewhere there are no such sections.
$(B)/xengnttab.o: $(RUST_ARCHIVE) libxengnttab.map Makefile
	@mkdir -p $(B)
	$(CC) -nostdlib -r -Wl,--gc-sections $(EXPORTS:%=-Wl,-u,%) -o $@.full $(RUST_ARCHIVE)
	$(OBJCOPY) --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd \
		--remove-section='.ARM.exidx*' --remove-section='.ARM.extab*' \
		$(EXPORTS:%=--keep-global-symbol=%) $@.full $(B)/xengnttab.syms.o
	$(OBJCOPY) --strip-unneeded $(EXPORTS:%=--keep-global-symbol=%) $(B)/xengnttab.syms.o $@
	@rm -f $@.full

# DT_NEEDED is upstream's: libxentoollog, libxentoolcore and libc (panic=abort and no panic
# path left: no unwinder, no std runtime).
$(SO): $(B)/xengnttab.o libxengnttab.map
	$(CC) -shared -s -o $@ $< \
		-Wl,--version-script=libxengnttab.map -Wl,-soname,libxengnttab.so.1 \
		-Wl,-z,now -Wl,--gc-sections -Wl,--as-needed -Wl,--no-undefined \
		$(if $(XEN_LIBDIR),-L$(XEN_LIBDIR) -Wl$(comma)-rpath-link$(comma)$(XEN_LIBDIR)) -lxentoollog -lxentoolcore
	ln -sf libxengnttab.so.1.2 $(B)/libxengnttab.so.1
	ln -sf libxengnttab.so.1 $(B)/libxengnttab.so

$(B)/libxengnttab.a: $(B)/xengnttab.o
	rm -f $@
	$(AR) rcs $@ $<

# `make arm64` | `make armhf`: the library and xengnt and the examples (pure Rust; linked by the
# cross gcc against the sysroot's Xen libraries), in <out>/bin/ and <out>/examples/; with the
# tokio feature, as the host's (50-xengnt.build.sh), for examples/ring --async.
CROSS_EXAMPLES := $(basename $(notdir $(wildcard examples/*.rs)))
# compat/check-cross and the Arm lab's build (compat/run-tests runs both at once) take turns.
arm64 armhf:
	@mkdir -p build
	flock build/.$@.lock $(MAKE) cross-unlocked CROSS_ARCH=$@
cross-unlocked: all
	CARGO_TARGET_$(shell echo $(TARGET) | tr a-z- A-Z_)_LINKER=$(CROSS)gcc \
	RUSTFLAGS="-L$(XEN_LIBDIR) -Clink-arg=-Wl,-rpath-link,$(XEN_LIBDIR)" \
		$(CARGO) build --release --locked --target $(TARGET) --features vm-memory,tokio --bin xengnt --examples
	mkdir -p $(B)/bin $(B)/examples
	cp target/$(TARGET)/release/xengnt $(B)/bin/
	cp $(CROSS_EXAMPLES:%=target/$(TARGET)/release/examples/%) $(B)/examples/

$(B)/%.pc: pkgconfig/%.pc.in FORCE
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' $< > $@

install: all $(B)/xengnttab.pc $(B)/xengntshr.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 755 $(SO) $(DESTDIR)$(LIBDIR)/libxengnttab.so.1.2
	ln -sf libxengnttab.so.1.2 $(DESTDIR)$(LIBDIR)/libxengnttab.so.1
	ln -sf libxengnttab.so.1 $(DESTDIR)$(LIBDIR)/libxengnttab.so
	install -m 644 $(B)/libxengnttab.a $(DESTDIR)$(LIBDIR)/libxengnttab.a
	install -m 644 include/xengnttab.h $(DESTDIR)$(INCLUDEDIR)/xengnttab.h
	install -m 644 $(B)/xengnttab.pc $(B)/xengntshr.pc $(DESTDIR)$(PKGCONFIGDIR)/

# Binary packages only (-b), built in place (-nc: no `make clean`, which would drop cargo's
# target/); debian/rules and the two options below keep every output in build/deb/ (by default
# dpkg-buildpackage writes to the parent directory). lintian, when installed, prints what it
# finds and fails the target on errors (compat/check-deb also fails on warnings).
# A cross build (CROSS_ARCH=arm64) skips the build-dependency check (-d): the host's dpkg has no
# libxen-dev:arm64, the sysroot stands in for it, and debian/rules computes the packages'
# dependencies against the sysroot's (compat/fetch-sysroot: its dpkg database). No tests run
# in a package build (nocheck says so to dh), CC names the compiler dpkg-architecture expects.
export DEB_OUT := $(CURDIR)/$(B)/deb
DEB_VERSION := $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_ARCH := $(or $(CROSS_ARCH),$(shell dpkg --print-architecture))
deb:
	rm -rf $(DEB_OUT) debian/files
	mkdir -p $(DEB_OUT)
	$(if $(CROSS_ARCH),DEB_BUILD_OPTIONS=nocheck CC=$(CROSS)gcc) \
	dpkg-buildpackage -b -us -uc -nc $(if $(CROSS_ARCH),-a$(CROSS_ARCH) -d) \
		--buildinfo-file=$(DEB_OUT)/xengnttab-rs_$(DEB_VERSION)_$(DEB_ARCH).buildinfo \
		--buildinfo-option=-u$(DEB_OUT) \
		--changes-file=$(DEB_OUT)/xengnttab-rs_$(DEB_VERSION)_$(DEB_ARCH).changes \
		--changes-option=-u$(DEB_OUT)
	if command -v lintian >/dev/null; then lintian --fail-on error $(DEB_OUT)/xengnttab-rs_$(DEB_VERSION)_$(DEB_ARCH).changes; \
	else echo "make deb: lintian is not installed, packages not checked"; fi
	@ls $(DEB_OUT)/*.deb

deps:
	compat/install-deps

test: deps
	compat/run-tests

check: deps
	compat/run-tests check

# A stack of another architecture (its ARCH=, e.g. debian12-arm64) tests that architecture's
# build: `make lab` builds it too (`make arm64`).
lab: deps all $(filter-out amd64,$(shell compat/lab/stack-arch $(LAB_STACK)))
	compat/lab/run-lab

demo: deps all
	compat/lab/run-lab --demo

# as `make lab`: LAB_STACK=debian12-arm64 make bench benchmarks the arm64 build
bench: deps all $(filter-out amd64,$(shell compat/lab/stack-arch $(LAB_STACK)))
	compat/lab/run-lab --bench

clean:
	rm -rf $(B)
	$(CARGO) clean

FORCE:

# xengnttab-rs: build, install and test a drop-in libxengnttab.so.1.
#   make                 library, static archive, header, pkg-config files in build/
#   make test            every check (unit, ABI, header, pkg-config, real Xen lab); installs deps
#   make check           every check that needs no Xen (the inner loop: no QEMU)
#   make lab | demo      the real-Xen lab alone | a side-by-side demo on real Xen
#                        (LAB_STACK=debian12 | debian12-k612 | debian13: compat/lab/README.md)
#   make bench           benchmarks on real Xen, Debian's library against ours (BENCHMARKS.md)
#   make deb             Debian packages (debian/, dpkg-buildpackage) in build/deb/, checked by lintian
#   make install PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu DESTDIR=...

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
CC ?= cc
CARGO ?= cargo

B := build
RUST_ARCHIVE := target/capi/libxengnttab.a
SO := $(B)/libxengnttab.so.1.2
EXPORTS := $(shell grep -o 'xeng[a-z_]*;' libxengnttab.map | tr -d ';')

.PHONY: all deps test check lab demo bench install deb clean FORCE

all: $(SO) $(B)/libxengnttab.a

# cargo decides itself whether anything changed; build.rs regenerates include/xengnttab.h.
$(RUST_ARCHIVE): FORCE
	$(CARGO) build --profile capi --locked --lib

# One relocatable object holding our code plus the few parts of core/std it uses, with every
# symbol but the 20 exports made local and std's embedded LLVM bitcode dropped (it trips ar's
# LTO plugin). rustc's cdylib would impose its own version script and lose VERS_1.0/1.1/1.2, so
# the .so is linked from this object instead. xengnttab.syms.o keeps every symbol name for
# compat/check-no-panic; xengnttab.o also drops the symbols no relocation needs, among them
# the undefined references of std sections that --gc-sections discarded (__tls_get_addr
# would otherwise make ld-linux a DT_NEEDED).
$(B)/xengnttab.o: $(RUST_ARCHIVE) libxengnttab.map Makefile
	@mkdir -p $(B)
	$(CC) -nostdlib -r -Wl,--gc-sections $(EXPORTS:%=-Wl,-u,%) -o $@.full $(RUST_ARCHIVE)
	objcopy --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd $(EXPORTS:%=--keep-global-symbol=%) $@.full $(B)/xengnttab.syms.o
	objcopy --strip-unneeded $(EXPORTS:%=--keep-global-symbol=%) $(B)/xengnttab.syms.o $@
	@rm -f $@.full

# DT_NEEDED is upstream's: libxentoollog, libxentoolcore and libc (panic=abort and no panic
# path left: no unwinder, no std runtime).
$(SO): $(B)/xengnttab.o libxengnttab.map
	$(CC) -shared -s -o $@ $< \
		-Wl,--version-script=libxengnttab.map -Wl,-soname,libxengnttab.so.1 \
		-Wl,-z,now -Wl,--gc-sections -Wl,--as-needed -Wl,--no-undefined \
		-lxentoollog -lxentoolcore
	ln -sf libxengnttab.so.1.2 $(B)/libxengnttab.so.1
	ln -sf libxengnttab.so.1 $(B)/libxengnttab.so

$(B)/libxengnttab.a: $(B)/xengnttab.o
	rm -f $@
	ar rcs $@ $<

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
DEB_OUT := $(CURDIR)/$(B)/deb
DEB_VERSION := $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB_ARCH := $(shell dpkg --print-architecture)
deb:
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_OUT)
	dpkg-buildpackage -b -us -uc -nc \
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

lab: deps all
	compat/lab/run-lab

demo: deps all
	compat/lab/run-lab --demo

bench: deps all
	compat/lab/run-lab --bench

clean:
	rm -rf $(B)
	$(CARGO) clean

FORCE:

# 77-deb: our Debian package installed in dom0 by dpkg itself (see 77-deb.dom0.sh). Into
# /tests/deb go: the two packages (our libxengnttab1-rs from `make deb`, cross-built on an Arm
# stack: `make deb CROSS_ARCH=arm64`; Debian's libxengnttab1 from the stack's debs), Debian's
# dpkg programs and GNU tar, which dpkg-deb runs, and ldconfig (host/tree.sh stack_tools: the
# host's on amd64, the stack's bookworm debs on Arm; dom0 has only busybox; their libraries are
# copied like any test program's) and a dpkg status that records what the initramfs already holds as Debian installed
# it: libc6 (the host's on amd64, which tree_libs copies; the stack's on Arm) and libxentoollog1 /
# libxentoolcore1 (from the same debs as $R), so that dpkg checks both packages' dependencies.
GUEST=1
GUEST_TESTS="${GUEST_TESTS:-} vchan-node2"     # its guest runs vchan-node2's server (also without 70-domu)
DK=$B/tests/deb
mkdir -p "$DK/bin"
# our package, built from the library under test: build/deb/ if it holds that library, else make deb
if [ "$ARCH" = amd64 ]; then DEB_MAKE= DEB_DIR=$REPO/build/deb
else DEB_MAKE=CROSS_ARCH=$ARCH DEB_DIR=$REPO/$CROSS_OUT/deb; fi
debof() { ls "$DEB_DIR"/libxengnttab1-rs_*_$ARCH.deb 2>/dev/null | head -1; }
debmd5() { dpkg-deb --fsys-tarfile "$1" | tar -xO .$LA/libxengnttab.so.1.2 | md5sum | cut -c1-32; }
exec 9> "$REPO/build/.deb.lock"; flock 9     # compat/check-deb may be making build/deb right now
OD=$(debof)
if [ -z "$OD" ] || [ "$(debmd5 "$OD")" != "$(md5sum < "$OURS_LIB" | cut -c1-32)" ]; then
  make -C "$REPO" deb $DEB_MAKE > "$B/make-deb.log" 2>&1 || echo "make deb failed: $(tail -3 "$B/make-deb.log")" >&2
  OD=$(debof)
fi
[ -n "$OD" ] && [ "$(debmd5 "$OD")" = "$(md5sum < "$OURS_LIB" | cut -c1-32)" ]
res $? deb/ours "no $DEB_DIR/libxengnttab1-rs_*_$ARCH.deb holding $OURS_LIB (see $B/make-deb.log)"
cp "$OD" "$DK/"
exec 9>&-
DD=$(ls "$W"/debs/libxengnttab1_*.deb 2>/dev/null | head -1)
[ -n "$DD" ] && cp "$DD" "$DK/"
res $? deb/debian "no libxengnttab1 deb in $W/debs (the stack's debs)"
DEB_BINS=$(stack_tools dpkg tar libc-bin 2>"$B/dpkg-tools.log")
res $? deb/dpkg-tools "$(tail -2 "$B/dpkg-tools.log")"
for p in /usr/bin/dpkg /usr/bin/dpkg-deb /usr/bin/dpkg-divert /usr/bin/dpkg-query /usr/bin/dpkg-split \
         /usr/bin/dpkg-trigger /sbin/start-stop-daemon /sbin/ldconfig /bin/tar; do
  cp "$DEB_BINS$p" "$DK/bin/"
done
{
  if [ "$ARCH" = amd64 ]; then dpkg-query -s libc6:amd64 | sed '/^Status:/d; 1a Status: install ok installed'
  else dpkg-deb -f "$(ls "$W"/debs/libc6_*.deb | head -1)" | sed '1a Status: install ok installed'; fi
  for p in libxentoollog1 libxentoolcore1; do
    echo; dpkg-deb -f "$(ls "$W"/debs/${p}_*.deb | head -1)" | sed '1a Status: install ok installed'
  done
} > "$DK/status"
grep -c '^Status: install ok installed' "$DK/status" | grep -qx 3
res $? deb/dpkg-status "$(grep -c '^Package:' "$DK/status") stanzas in $DK/status"

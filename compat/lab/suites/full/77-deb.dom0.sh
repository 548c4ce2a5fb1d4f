# 77-deb: our Debian package, installed in dom0 by dpkg itself, under Debian's unmodified Xen
# programs with no LD_PRELOAD or LD_LIBRARY_PATH anywhere (the `sys` setup of lib.sh).
#  1. dpkg (Debian's, from /tests/deb) gets a database that records what the initramfs holds;
#     `dpkg -i` installs Debian's libxengnttab1, then our libxengnttab1-rs, whose preinst diverts
#     Debian's two files: dpkg -S and the files show ours in place and Debian's set aside;
#  2. xenstored and xenconsoled restart with no environment (no tracer either: that is a preload)
#     and map the file now at $DEBLIB, ours; vchan-node2 and vchan-socket-proxy in dom0;
#  3. a guest whose disk Debian's QEMU serves (libxl's default device model, no wrapper): QEMU maps
#     ours, the guest reads and writes its disk, answers through xenstore, its console reaches
#     xenconsoled, both daemons map its rings (/dev/xen/gntdev in their maps), vchan-node2 with
#     its server in the guest (Debian's library there) and its client in dom0 (ours). On Arm,
#     whose bookworm has no device model (host/arch.sh GUEST_DM), the guest has no disk: the
#     rest is the same, and an INFO line says so;
#  4. `dpkg -r libxengnttab1-rs`: Debian's library is back (same file, no diversion left); the
#     daemons restart as they were before this suite, and LD_LIBRARY_PATH comes back for the
#     suites after this one.
# budget: 600   (seconds; dom0 stops the suite after that: compat/lab/README.md)
DK=/tests/deb
LA=/usr/lib/$MA
DIV=$LA/xengnttab-rs-diverted
md5of() { md5sum < "$1" 2>/dev/null | cut -c1-32; }
dshow() { sed "s/^/SHOW DEB| /" "$1" >> /tmp/raw; }    # dpkg's own words, for the run's log
DEB_SAVED_LLP=$LD_LIBRARY_PATH DEB_SAVED_PATH=$PATH
DEB_PREV=$DAEMONS
unset LD_LIBRARY_PATH
# Debian's dpkg programs before busybox's applets for what dpkg itself runs (dpkg-deb, tar);
# this shell runs its own applets first whatever PATH says, hence $DPKG
export PATH=$DK/bin:$PATH
DPKG=$DK/bin/dpkg

# 1. dpkg in dom0, Debian's package, then ours
mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates /var/lib/dpkg/triggers
cp $DK/status /var/lib/dpkg/status; : > /var/lib/dpkg/available
DARCH=$($DPKG --print-architecture)
for p in libc6 libxentoollog1 libxentoolcore1; do : > /var/lib/dpkg/info/$p:$DARCH.list; done
DEBMD5=$(md5of $DEBLIB) OURSMD5=$(md5of $OURS)
{ echo "# dpkg -i $(basename $DK/libxengnttab1_*.deb)"; timeout 120 $DPKG -i $DK/libxengnttab1_*.deb 2>&1; echo "[exit $?]"; } > /tmp/dpkg-debian.log
dshow /tmp/dpkg-debian.log
o=$($DPKG -S $DEBLIB 2>&1)
grep -q '^\[exit 0\]' /tmp/dpkg-debian.log && [ "$o" = "libxengnttab1:$DARCH: $DEBLIB" ] && [ "$(md5of $DEBLIB)" = $DEBMD5 ] &&
  r "PASS deb/dpkg-debian: dpkg -i installed Debian's libxengnttab1 $(dpkg-query -W -f '${Version}' libxengnttab1) ($o)" ||
  r "FAIL deb/dpkg-debian: $(tail -3 /tmp/dpkg-debian.log | tr '\n' ' ') dpkg -S: $o"
{ echo "# dpkg -i $(basename $DK/libxengnttab1-rs_*.deb)"; timeout 120 $DPKG -i $DK/libxengnttab1-rs_*.deb 2>&1; echo "[exit $?]"
  echo "# dpkg -S $DEBLIB $LA/libxengnttab.so.1"; $DPKG -S $DEBLIB $LA/libxengnttab.so.1 2>&1; } > /tmp/dpkg-ours.log
dshow /tmp/dpkg-ours.log
why=
grep -q '^\[exit 0\]' /tmp/dpkg-ours.log || why="dpkg -i failed;"
for f in $DEBLIB $LA/libxengnttab.so.1; do
  grep -q "^diversion by libxengnttab1-rs from: $f\$" /tmp/dpkg-ours.log || why="$why no diversion of $f;"
  grep ": $f\$" /tmp/dpkg-ours.log | grep -qE '^([^ ]+, )?libxengnttab1-rs(,|:)' || why="$why dpkg -S: $f not ours;"
done
[ "$(md5of $DEBLIB)" = $OURSMD5 ] || why="$why $DEBLIB is not the library under test;"
[ "$(md5of $DIV/libxengnttab.so.1.2)" = $DEBMD5 ] || why="$why Debian's file is not in $DIV;"
[ -z "$why" ] && r "PASS deb/dpkg-ours: dpkg -i installed libxengnttab1-rs: $DEBLIB is ours (md5 $OURSMD5), Debian's set aside in $DIV" ||
  r "FAIL deb/dpkg-ours: $why $(tail -4 /tmp/dpkg-ours.log | tr '\n' ' ')"

# 2. the daemons on the system's library, no environment
if [ "$(cat /sys/devices/system/cpu/online)" != 0 ]; then one_vcpu; fi    # without 70-domu
gdestroy
envcheck() {   # envcheck <pid>: no LD_* variable in the process's environment
  tr '\0' '\n' < /proc/$1/environ 2>/dev/null | grep '^LD_' | tr '\n' ' '
}
sysrep() {   # sysrep <name> <pid>: the process maps the file at $DEBLIB, and that file is ours
  local w
  w=$(mapcheck sys $2)$(envcheck $2)
  [ "$(md5of $DEBLIB)" = $OURSMD5 ] || w="$w $DEBLIB is not ours (dpkg -i failed?)"
  [ -n "$2" ] && [ -z "$w" ] && r "PASS $1/runs-ours: $(awk -v f=$DEBLIB '$6 == f {print $6 " inode " $5; exit}' /proc/$2/maps) (ours), no LD_* in its environment" ||
    r "FAIL $1/runs-ours: pid '$2': ${w:-no such process}"
}
daemons sys
for p in xenstored xenconsoled; do sysrep deb/$p "$(cat /run/$p.pid 2>/dev/null)"; done
dd if=/dev/urandom of=/tmp/d2 bs=1M count=2 2>/dev/null
dd if=/dev/urandom of=/tmp/d1 bs=1M count=1 2>/dev/null
node2 sys /tmp/d2 /tmp/d1 8192 16384 dpkg
proxy sys /tmp/d1
rm -f /tmp/d2 /tmp/d1

# 3. a guest: its disk through Debian's QEMU, its console, its rings, vchan
DISK=
if has_qdisk; then
  dd if=/dev/urandom of=/tmp/dpkg-disk.img bs=1M count=16 2>/dev/null
  dd if=/dev/zero bs=1M count=16 2>/dev/null >> /tmp/dpkg-disk.img
  DISK="disk = [ 'format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/tmp/dpkg-disk.img' ]"
else
  echo "SHOW INFO deb/qemu: no device model on this stack (no qemu-system-xen): the guest runs without a disk, the QEMU and disk checks are not made" >> /tmp/raw
fi
if gcreate gdpkg "$DISK"; then
  qpid=
  if [ -n "$DISK" ]; then
    qpid=$(xenstore-read /local/domain/$G/image/device-model-pid 2>/dev/null)
    sysrep deb/qemu "$qpid"
    echo "SHOW INFO deb/qemu: pid $qpid: $(tr '\0' ' ' < /proc/$qpid/cmdline 2>/dev/null | cut -c1-120)" >> /tmp/raw
    s=$(dd if=/tmp/dpkg-disk.img bs=1M count=16 2>/dev/null | md5sum | cut -c1-32)
    o=$(disk_read 16); set -- $o
    [ "$1" = "$s" ] && r "PASS deb/qdisk/read: 16 MiB read by the guest through QEMU (O_DIRECT), md5 ok, $2 MB/s" ||
      r "FAIL deb/qdisk/read: guest read '$o', image md5 $s"
    o=$(disk_write 8 16); set -- $o
    d=$(dd if=/tmp/dpkg-disk.img bs=1M skip=16 count=8 2>/dev/null | md5sum | cut -c1-32)
    [ -n "$1" ] && [ "$1" = "$d" ] && r "PASS deb/qdisk/write: 8 MiB written by the guest (O_DIRECT+fsync), the image matches, $2 MB/s" ||
      r "FAIL deb/qdisk/write: guest wrote '$o', image has $d"
  fi
  o=$(gx 60 'echo hello from domain $(xenstore-read domid)')
  [ "$o" = "hello from domain $G" ] && r "PASS deb/xenstore-agent: the guest answered '$o' through xenstored (ours)" ||
    r "FAIL deb/xenstore-agent: got '$o'"
  l=$(grep -m1 'GUEST T_USERSPACE' $LOGS/console/guest-gdpkg.log 2>/dev/null | tr -d '\r')
  [ -n "$l" ] && r "PASS deb/console: xenconsoled (ours) logged: $l" || r "FAIL deb/console: no GUEST T_USERSPACE in its console log"
  for p in xenstored xenconsoled; do   # the guest's store and console rings, mapped through gntdev
    n=$(grep -c /dev/xen/gntdev /proc/$(cat /run/$p.pid)/maps 2>/dev/null)
    [ "${n:-0}" -ge 1 ] && r "PASS deb/$p/maps-guest-ring: $n gntdev mapping(s) in its maps (made through ours: deb/$p/runs-ours)" ||
      r "FAIL deb/$p/maps-guest-ring: no /dev/xen/gntdev mapping in its maps"
  done
  xvchan sys node2 guest 1 16384 16384
  gdestroy
  [ -z "$qpid" ] || dead_within "$qpid" 30 || r "FAIL deb/qemu-exits: QEMU pid $qpid still there after the guest was destroyed"
fi
rm -f /tmp/dpkg-disk.img

# 4. dpkg -r: Debian's library back, the daemons as they were
stop_pidfile /run/xenconsoled.pid
stop_pidfile /run/xenstored.pid
{ echo "# dpkg -r libxengnttab1-rs"; timeout 120 $DPKG -r libxengnttab1-rs 2>&1; echo "[exit $?]"
  echo "# dpkg -S $DEBLIB $LA/libxengnttab.so.1"; $DPKG -S $DEBLIB $LA/libxengnttab.so.1 2>&1
  echo "# dpkg-divert --list 'libxengnttab*'"; dpkg-divert --list 'libxengnttab*' 2>&1; } > /tmp/dpkg-remove.log
dshow /tmp/dpkg-remove.log
why=
grep -q '^\[exit 0\]' /tmp/dpkg-remove.log || why="dpkg -r failed;"
grep -q '^diversion' /tmp/dpkg-remove.log && why="$why a diversion is left;"
[ "$(grep -c "^libxengnttab1:$DARCH: $LA/libxengnttab.so.1" /tmp/dpkg-remove.log)" = 2 ] || why="$why dpkg -S does not name libxengnttab1 alone;"
[ "$(md5of $DEBLIB)" = $DEBMD5 ] || why="$why $DEBLIB is not Debian's;"
[ -e $DIV ] && why="$why $DIV is left;"
[ -z "$why" ] && r "PASS deb/dpkg-remove: dpkg -r libxengnttab1-rs put Debian's library back ($DEBLIB md5 $DEBMD5, no diversion)" ||
  r "FAIL deb/dpkg-remove: $why $(tail -4 /tmp/dpkg-remove.log | tr '\n' ' ')"
export LD_LIBRARY_PATH=$DEB_SAVED_LLP PATH=$DEB_SAVED_PATH
daemons ${DEB_PREV:-deb}

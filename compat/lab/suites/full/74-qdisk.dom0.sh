# Debian's QEMU (qemu-system-xen, started by xl) as the guest's qdisk disk backend, with Debian's
# library (deb: /opt/qemu-deb, the call tracer only) and with ours (/opt/qemu-ours: tracer + ours
# preloaded). The guest has two disks: xvda (64 MiB, raw I/O) and xvdb (32 MiB, an ext2 file
# system). The call trace proves which libxengnttab calls QEMU made.
# Not here: dm_restrict=1. Xen 4.17 lists qdisk backends as not yet supported under it
# (docs/features/qemu-deprivilege.pandoc: QEMU runs chrooted as an unprivileged user), and in
# the lab `xl create` of such a guest, with Debian's library, had not returned after 5 minutes.
# budget: 900   (seconds; dom0 stops the suite after that: compat/lab/README.md)
QSUM=
qtrace() {   # qtrace <guest name>: "fn=count ..." from QEMU's totals line in its trace
  grep -h 'totals at exit' $LOGS/gnttrace-qemu-$1.log 2>/dev/null | sed 's/.*totals at exit: *//' | tr ' ' '\n' |
    awk -F= '{s[$1] += $2} END {for (k in s) printf "%s=%d ", k, s[k]}'
}
qcount() { echo " $1 " | sed -n "s/.* $2=\([0-9]*\) .*/\1/p"; }
xqdisk() {   # xqdisk <deb|ours>
  local c=$1 name img fs extra qpid o s d t0 t1 tr want
  name=gq-$c img=/tmp/$name-a.img fs=/tmp/$name-b.img
  dd if=/dev/urandom of=$img bs=1M count=32 2>/dev/null; dd if=/dev/zero bs=1M count=32 2>/dev/null >> $img
  dd if=/dev/zero of=$fs bs=1M count=32 2>/dev/null
  extra=$(qdisks $c $img $fs)
  gcreate $name "$extra" || return
  qpid=$(xenstore-read /local/domain/$G/image/device-model-pid 2>/dev/null)
  echo "SHOW INFO qdisk/$name: qemu pid $qpid: $(tr '\0' ' ' < /proc/$qpid/cmdline 2>/dev/null | cut -c1-300)" >> /tmp/raw
  maprep qdisk/$name/qemu $( [ $c = ours ] && echo pre || echo deb ) "$qpid"
  o=$(gx 60 "blockdev --getsize64 /dev/xvda; blockdev --getsize64 /dev/xvdb")
  [ "$(echo $o)" = "67108864 33554432" ] && r "PASS qdisk/$name/devices: xvda 64 MiB, xvdb 32 MiB" || r "FAIL qdisk/$name/devices: '$o'"
  # 1. dom0 wrote the image: the guest reads it (O_DIRECT, 1 MiB requests)
  s=$(dd if=$img bs=1M count=32 2>/dev/null | md5sum | cut -c1-32)
  o=$(disk_read 32)
  set -- $o
  [ "$1" = "$s" ] && r "PASS qdisk/$name/dom0-to-guest: 32 MiB read by the guest (O_DIRECT), md5 $1 matches the image, $2 MB/s" ||
    r "FAIL qdisk/$name/dom0-to-guest: guest read '$o', image md5 $s"
  echo "SHOW TIMING qdisk $name read ${2:-?} MB/s" >> /tmp/raw
  # 2. the guest writes 16 MiB at 32 MiB (O_DIRECT + fsync): dom0 finds it in the image
  o=$(disk_write 16 32)
  set -- $o
  d=$(dd if=$img bs=1M skip=32 count=16 2>/dev/null | md5sum | cut -c1-32)
  [ -n "$1" ] && [ "$d" = "$1" ] && [ "$(dd if=$img bs=1M count=32 2>/dev/null | md5sum | cut -c1-32)" = "$s" ] &&
    r "PASS qdisk/$name/guest-to-dom0: 16 MiB written by the guest (O_DIRECT+fsync), image md5 $d matches, the first 32 MiB untouched, $2 MB/s" ||
    r "FAIL qdisk/$name/guest-to-dom0: guest wrote '$o', image has $d"
  echo "SHOW TIMING qdisk $name write ${2:-?} MB/s" >> /tmp/raw
  # 3. unaligned and large requests: 512-byte sectors at odd offsets (partial-page segments),
  #    1.5 KiB and 12 KiB blocks, one 4 MiB request (many segments), each compared both ways
  o=$(gx 300 'e=0; dd if=/dev/urandom of=/tmp/u bs=1M count=4 2>/dev/null
    for spec in 512:7:1 512:3:4093 1536:5:3001 12288:9:2001 4194304:1:12; do
      bs=${spec%%:*} r=${spec#*:}; cnt=${r%%:*} seek=${r#*:}
      dd if=/tmp/u of=/dev/xvda bs=$bs count=$cnt seek=$seek oflag=direct conv=fsync 2>/dev/null || e=$((e+1))
      a=$(dd if=/tmp/u bs=$bs count=$cnt 2>/dev/null | md5sum | cut -c1-32)
      b=$(dd if=/dev/xvda bs=$bs count=$cnt skip=$seek iflag=direct 2>/dev/null | md5sum | cut -c1-32)
      [ "$a" = "$b" ] || e=$((e+1)); echo "$bs $cnt $seek $a"
    done; echo errors $e')
  e=0
  for spec in $(echo "$o" | awk '$1 ~ /^[0-9]+$/ {print $1 ":" $2 ":" $3 ":" $4}'); do
    set -- $(echo $spec | tr : ' ')
    [ "$(dd if=$img bs=$1 count=$2 skip=$3 2>/dev/null | md5sum | cut -c1-32)" = "$4" ] || e=$((e + 1))
  done
  [ "$(echo "$o" | grep -c '^[0-9]')" = 5 ] && [ "$(echo "$o" | tail -1)" = "errors 0" ] && [ $e = 0 ] &&
    r "PASS qdisk/$name/unaligned-and-large: 5 request shapes (512 B at odd sectors .. 4 MiB), guest re-read and image match" ||
    r "FAIL qdisk/$name/unaligned-and-large: $e image mismatches; guest: $(echo $o)"
  # 4. a file system on xvdb: mkfs, 60 files of odd sizes, unmount, remount, verify; dom0 sees the same bytes
  o=$(gx 600 'mke2fs -q /dev/xvdb >/dev/null 2>&1 || echo mkfs-failed; mkdir -p /mnt
    mount -t ext4 /dev/xvdb /mnt || echo mount-failed
    dd if=/dev/urandom of=/tmp/src bs=1K count=400 2>/dev/null; i=0
    while [ $i -lt 60 ]; do sz=$(( (i * 7919 + 13) % 400000 + 1 )); head -c $sz /tmp/src > /mnt/f$i; i=$((i+1)); done
    mkdir /mnt/d; cp /mnt/f1 /mnt/f2 /mnt/d/
    (cd /mnt && md5sum f* d/*) > /tmp/sums; umount /mnt || echo umount-failed
    mount -t ext4 /dev/xvdb /mnt && (cd /mnt && md5sum -c /tmp/sums >/dev/null 2>&1 && echo verified $(wc -l < /tmp/sums) files)
    umount /mnt; sync; echo dev $(md5sum < /dev/xvdb | cut -c1-32)')
  d=$(md5sum < $fs | cut -c1-32)
  case "$o" in *failed*) r "FAIL qdisk/$name/filesystem: $(echo $o)" ;;
    *"verified 62 files"*"dev $d"*) r "PASS qdisk/$name/filesystem: ext2 made, 62 files written, remounted, all verified; image md5 $d matches the guest's device" ;;
    *) r "FAIL qdisk/$name/filesystem: guest: $(echo $o); image md5 $d" ;; esac
  gdestroy
  # QEMU's calls into libxengnttab, from the tracer's totals (QEMU exits when the guest is
  # destroyed, and writes them on its way out)
  dead_within "$qpid" 30
  tr=$(qtrace $name)
  want="xengnttab_open xengnttab_grant_copy xengnttab_set_max_grants xengnttab_map_domain_grant_refs xengnttab_unmap"
  local miss= f
  for f in $want; do [ "$(qcount "$tr" $f)" -gt 0 ] 2>/dev/null || miss="$miss $f"; done
  [ -n "$tr" ] && [ -z "$miss" ] && r "PASS qdisk/$name/qemu-calls: $tr" || r "FAIL qdisk/$name/qemu-calls: missing$miss in '$tr'"
  [ $c = ours ] && grep -q "xengnttab_open.*(library $OURS)" $LOGS/gnttrace-qemu-$name.log &&
    r "PASS qdisk/$name/qemu-used-ours: every handle opened in $OURS" ||
    { [ $c = deb ] || r "FAIL qdisk/$name/qemu-used-ours: $(grep -m2 'xengnttab_open' $LOGS/gnttrace-qemu-$name.log)"; }
  rm -f $img $fs
}
for c in deb ours; do xqdisk $c; done

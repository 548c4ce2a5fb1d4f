# 36-dmabuf: the four dma-buf functions (xengnttab_dmabuf_exp_from_refs, _exp_wait_released,
# _imp_to_refs, _imp_release) against a gntdev that has them. Debian's xen-gntdev.ko gives ENOTTY
# for their ioctls, so this suite swaps in the module rebuilt with CONFIG_XEN_GNTDEV_DMABUF
# (36-dmabuf.build.sh, host/gntdev-dmabuf.sh), loads vgem (the dma-buf exporter for the import
# test), runs c-tests/dmabuf with Debian's library (deb) and with ours (lp), and puts Debian's
# gntdev back for the suites after it. xenstored keeps /dev/xen/gntdev open, so each swap stops
# it and starts it again (a fresh store and xen-init-dom0, as dom0/init does; no guest exists in
# this suite's place). The raw records go to the host: 36-dmabuf.host.sh checks every record's
# verdict and the records each platform must have, and compares the two runs record for record.
# budget: 240   (seconds; dom0 stops the suite after that: compat/lab/README.md)
. $T/dmabuf/dmabuf-lib.sh          # D, KM, the module swap, vgem

n=$(dmabuf_handlers)
[ "$n" = 0 ] && r "PASS dmabuf/module/debian: Debian's xen-gntdev has no dma-buf ioctls (none in kallsyms)" ||
  r "FAIL dmabuf/module/debian: $n dma-buf handlers in kallsyms before the swap"
why=$(gntdev_replace $D/xen-gntdev.ko; xenstored_again)
n=$(dmabuf_handlers)
[ -z "$why" ] && [ "$n" -ge 4 ] &&
  r "PASS dmabuf/module/rebuilt: xen-gntdev.ko with dma-buf loaded ($n handlers in kallsyms: $(grep -o 'gntdev_ioctl_dmabuf_[a-z_]*' /proc/kallsyms | sed 's/gntdev_ioctl_dmabuf_//' | sort | tr '\n' ' ')), xenstored and xen-init-dom0 again" ||
  r "FAIL dmabuf/module/rebuilt: ${why:-only $n dma-buf handlers in kallsyms}"
why=$(vgem_load)
[ -z "$why" ] && r "PASS dmabuf/vgem: drm, drm_shmem_helper, vgem loaded: $(ls /dev/dri | tr '\n' ' ')" ||
  r "FAIL dmabuf/vgem: $why /dev/dri: $(ls /dev/dri 2>&1 | tr '\n' ' ')"

for c in deb lp; do
  s=$(up)
  run $c timeout 120 $D/dmabuf > /tmp/dmabuf-$c.out 2>&1
  rc=$?
  echo "SHOW TIMING dmabuf/$c: $(since $s)s" >> /tmp/raw
  sed "s/^/@@dmabuf $c /" /tmp/dmabuf-$c.out >> /tmp/raw
  echo "@@dmabuf-rc $c $rc" >> /tmp/raw
done

# The safe Rust API on the same gntdev (examples/dmabuf_roundtrip: the crate itself, no
# libxengnttab.so). Without arguments it exports 4 pages dom0 shares with itself, imports the
# dma-buf again, maps those refs (the shared bytes, writes both ways), closes its fd and waits:
# held while imported, released after. A PV dom0's gntdev refuses the export (EINVAL), which
# must then be its error. `import 4` grants a vgem buffer (its stdin, from vgem-stdin) to dom0:
# the mapped bytes must hash as vgem-stdin wrote them, and the refs must not map once released.
rs_lines() {   # rs_lines <run> <out file> <status> <expected status> <id=line>...: one result per line it must print
  local run=$1 out=$2 rc=$3 want=$4 pair
  shift 4
  sed "s/^/SHOW DMABUF-RS $run| /" $out >> /tmp/raw
  [ "$rc" = "$want" ] && r "PASS dmabuf/rust/$run/exit: $rc" || r "FAIL dmabuf/rust/$run/exit: $rc, not $want: $(tail -3 $out | tr '\n' ' ')"
  for pair in "$@"; do
    grep -qxF -- "${pair#*=}" $out && r "PASS dmabuf/rust/$run/${pair%%=*}: ${pair#*=}" ||
      r "FAIL dmabuf/rust/$run/${pair%%=*}: no line '${pair#*=}' in: $(tr '\n' ' ' < $out)"
  done
}
timeout 60 $T/dmabuf_roundtrip > /tmp/dmabuf-rs-export.out 2>&1
rc=$?
if [ "$(uname -m)" = aarch64 ]; then
  rs_lines export /tmp/dmabuf-rs-export.out $rc 0 \
    "export=export: 4 shared pages as a dma-buf" \
    "import-again=import: 4 refs map the shared bytes, writes seen both ways" \
    "wait-held=wait: held while imported (our fd closed)" \
    "wait-released=wait: released once the importer let go"
else
  rs_lines export /tmp/dmabuf-rs-export.out $rc 1 \
    "refused-log=gnttab: error: ioctl DMABUF_EXP_FROM_REFS failed: Invalid argument" \
    "refused-einval=Error: Error(22: Invalid argument (os error 22))"
fi
timeout 60 $D/vgem-stdin 4 $T/dmabuf_roundtrip import 4 > /tmp/dmabuf-rs-import.out 2>&1
rc=$?
h=$(sed -n 's/^vgem: 4 pages fnv1a64 \([0-9a-f]\{16\}\)$/\1/p' /tmp/dmabuf-rs-import.out)
rs_lines import /tmp/dmabuf-rs-import.out $rc 0 \
  "vgem=vgem: 4 pages fnv1a64 ${h:-(no hash)}" \
  "bytes=import: 4 pages of stdin's dma-buf mapped, fnv1a64 ${h:-(no hash)}" \
  "release=release: the 4 refs no longer map"

dmesg | grep -i -e gntdev -e dma-buf -e dmabuf -e vgem | tail -8 | sed 's/^/SHOW DMABUF-KLOG| /' >> /tmp/raw

# Debian's module back for the suites after this one (vgem and drm out too)
vgem_unload
why=$(gntdev_replace $KM/xen-gntdev.ko; xenstored_again)
n=$(dmabuf_handlers)
[ -z "$why" ] && [ "$n" = 0 ] && ! grep -q '^vgem ' /proc/modules &&
  r "PASS dmabuf/module/restored: Debian's xen-gntdev back, vgem unloaded, xenstored and xen-init-dom0 again" ||
  r "FAIL dmabuf/module/restored: ${why:-$n dma-buf handlers in kallsyms} $(grep -e '^vgem ' -e '^drm ' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')"

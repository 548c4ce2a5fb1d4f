# demo across domains, Debian's library next to ours in the same boot: guest boot time (xl create
# until the guest's userspace reports through xenstore) with xenstored and xenconsoled on each
# library, the guest's disk through QEMU (qdisk) on each library, vchan-node2 across domains.
# budget: 900   (seconds; dom0 stops the suite after that: compat/lab/README.md)
one_vcpu
dd if=/dev/urandom of=/tmp/demo.img bs=1M count=48 2>/dev/null
for c in deb ours; do
  daemons $c
  vc=$c; [ $c = ours ] && vc=pre     # vchan's name for ours preloaded
  if gcreate gd-$c "$(qdisks $c /tmp/demo.img)"; then
    eval "BOOT_$c=\$GBOOT"
    set -- $(disk_read 32); eval "RD_$c=\${2:--}"
    set -- $(disk_write 16 32); eval "WR_$c=\${2:--}"
    XV_RATE=-; xvchan $vc node2 guest 8 65536 65536; eval "VC_$c=\$XV_RATE"
    gdestroy
  fi
done
rm -f /tmp/demo.img
{
  echo "SHOW across domains (dom0 <-> PV guest, QEMU TCG; MB/s):"
  echo "SHOW   library                guest boot (s)  qdisk read 32 MiB  qdisk write 16 MiB  vchan-node2 8+8 MiB"
  echo "SHOW   Debian libxengnttab    $(printf '%-15s %-18s %-19s' "$BOOT_deb" "$RD_deb" "$WR_deb") $VC_deb"
  echo "SHOW   ours                   $(printf '%-15s %-18s %-19s' "$BOOT_ours" "$RD_ours" "$WR_ours") $VC_ours"
} | tee -a /tmp/raw

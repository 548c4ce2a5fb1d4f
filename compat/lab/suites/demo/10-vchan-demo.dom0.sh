# demo: vchan throughput, Debian's library next to ours
# budget: 600   (seconds; dom0 stops the suite after that: compat/lab/README.md)
dd if=/dev/urandom of=/tmp/r16 bs=1M count=16 2>/dev/null
dd if=/dev/urandom of=/tmp/r64 bs=1M count=64 2>/dev/null
for c in deb pre vch; do
  node1 $c /tmp/r16; eval "N1_$c=\$RATE"
  node2 $c /tmp/r64 - 65536 65536 big; eval "N2_$c=\$RATE"
done
{
  echo "SHOW vchan throughput (MB/s, dom0 -> dom0 under QEMU TCG):"
  echo "SHOW   library                                  node1 16 MiB (in-page ring)  node2 64 MiB (64 KiB rings)"
  echo "SHOW   Debian libxengnttab                      $(printf %-28s "$N1_deb") $N2_deb"
  echo "SHOW   ours (LD_PRELOAD)                        $(printf %-28s "$N1_pre") $N2_pre"
  echo "SHOW   ours + libxenvchan rebuilt on our header $(printf %-28s "$N1_vch") $N2_vch"
} | tee -a /tmp/raw

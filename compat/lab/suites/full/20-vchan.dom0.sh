# vchan: the upstream test programs and Debian's vchan-socket-proxy, three library setups
# budget: 600   (seconds; dom0 stops the suite after that: compat/lab/README.md)
dd if=/dev/urandom of=/tmp/r16 bs=1M count=16 2>/dev/null
dd if=/dev/urandom of=/tmp/r8 bs=1M count=8 2>/dev/null
dd if=/dev/urandom of=/tmp/r4 bs=1M count=4 2>/dev/null
for c in deb pre vch; do
  node1 $c /tmp/r4    # in-page ring, 0.3-1.4 MB/s here: 4 MiB wrap it over 2,000 times
  node2 $c /tmp/r16 /tmp/r8 8192 16384 multipage
  proxy $c /tmp/r4
done
rm -f /tmp/r16 /tmp/r8 /tmp/r4

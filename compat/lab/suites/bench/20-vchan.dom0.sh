# bench: vchan throughput through Debian's libxenvchan (upstream vchan-node2), with Debian's
# libxengnttab (deb) and ours LD_PRELOADed (pre), alternately, VROUNDS rounds. One round by
# default: a 64 MiB transfer plus node2's md5 checks takes minutes on a busy host;
# BENCH_VROUNDS=3 make bench for more (20-vchan.build.sh). Set here, not in another suite:
# each suite runs in a shell of its own (dom0/suite.sh).
# budget: 900   (seconds; dom0 stops the suite after that: compat/lab/README.md)
VROUNDS=1
[ -f /tests/vchan.conf ] && . /tests/vchan.conf
dd if=/dev/urandom of=/tmp/r64 bs=1M count=64 2>/dev/null
dd if=/dev/urandom of=/tmp/r1 bs=1M count=1 2>/dev/null
echo "@@plan vchan rounds=$VROUNDS" >> /tmp/raw
for i in $(seq 1 $VROUNDS); do
  for c in deb pre; do
    node2 $c /tmp/r64 - 65536 65536 ring64k-$i; echo "@@vchan $c $i ring64k-64MiB $RATE" >> /tmp/raw
    node2 $c /tmp/r1 - 1024 1024 ring1k-$i; echo "@@vchan $c $i ring1k-1MiB $RATE" >> /tmp/raw
  done
  echo "bench: vchan round $i of $VROUNDS done at $(up)s"     # progress on the console only
done
rm -f /tmp/r64 /tmp/r1

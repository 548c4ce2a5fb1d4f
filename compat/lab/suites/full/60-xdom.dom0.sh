# 60-xdom: c-tests/xdom in loopback. The sharer and the mapper are two processes in dom0 (peer
# domid 0) that meet only through files, relayed by xdom_pair exactly as they will be across
# two domains; once with Debian's library (deb), once with ours (lp). The raw records go to the
# host: 60-xdom.host.sh checks each record's verdict and compares the two runs.
# budget: 120   (seconds; dom0 stops the suite after that: compat/lab/README.md)
. $T/xdom-pair.sh
for c in deb lp; do
  s=$(up)
  xdom_pair $c xdom_here xdom_here 0 0 loop
  t="xdom/loop/$c: sharer and mapper in dom0, $(awk -v a=$s -v b=$(up) 'BEGIN{print b-a}')s"
  echo "$t"; echo "SHOW TIMING $t" >> /tmp/raw
done

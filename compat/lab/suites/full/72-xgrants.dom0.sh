# Grants across domains: c-tests/xdom with the guest sharing pages (gntalloc) and dom0 mapping
# them (gntdev), then the other way round: single, batch and per-ref-domid maps, read-only maps,
# grant copy both ways, unmap-notify byte and event from either side, a grant for another domid
# refused. Same library on both sides, Debian's (deb) and ours (lp); 72-xgrants.host.sh checks
# every record and compares ours with Debian's record for record.
# budget: 300   (seconds; dom0 stops the suite after that: compat/lab/README.md)
. $T/xdom-pair.sh
if [ -n "$G" ]; then
  for c in deb lp; do
    s=$(up)
    xdom_pair $c "gx 60" xdom_here $G 0 g-d0       # the guest shares, dom0 maps
    xdom_pair $c xdom_here "gx 60" 0 $G d0-g       # dom0 shares, the guest maps
    echo "SHOW TIMING xgrants $c: both directions $(since $s)s" >> /tmp/raw
  done
else
  r "FAIL xgrants: no guest (70-domu failed)"
fi

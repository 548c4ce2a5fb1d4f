# xenstored and xenconsoled on ours: both restart with ours preloaded (and the call tracer), a
# new guest boots, reports through xenstore and its console, and the daemons' traces show that
# they mapped its store and console rings through our library. Both daemons stay on ours for
# the rest of the boot (qdisk, lifecycle).
# budget: 300   (seconds; dom0 stops the suite after that: compat/lab/README.md)
gdestroy
daemons ours
if gcreate g2; then
  greport ours
  xvchan pre node2 guest 1 16384 16384     # the guest's own traffic still flows with the daemons on ours
  gdestroy
  # the daemons unmapped the dead guest's rings
  for d in xenstored xenconsoled; do
    n=$(grep -c 'xengnttab_unmap(.*) -> 0' $LOGS/gnttrace-$d-ours.log)
    [ "$n" -ge 1 ] && r "PASS daemons/ours/$d/unmaps-dead-guest: $n successful unmaps in its trace" ||
      r "FAIL daemons/ours/$d/unmaps-dead-guest: $n unmaps -> 0 in $LOGS/gnttrace-$d-ours.log"
  done
fi

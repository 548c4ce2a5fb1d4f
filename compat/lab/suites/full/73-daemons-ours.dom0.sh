# xenstored and xenconsoled on ours: both restart with ours preloaded (and the call tracer), a
# new guest boots, reports through xenstore and its console, and the daemons' traces show that
# they mapped its store and console rings through our library. Both daemons stay on ours for
# the rest of the boot (qdisk, lifecycle).
gdestroy
daemons ours
if gcreate g2; then
  o=$(gx 60 'echo hello from domain $(xenstore-read domid) $(xenstore-read name)')
  [ "$o" = "hello from domain $G g2" ] && r "PASS domu/g2/xenstore-agent: guest answered '$o' (xenstored on ours)" ||
    r "FAIL domu/g2/xenstore-agent: got '$o'"
  l=$(grep -m1 'GUEST T_USERSPACE' $LOGS/console/guest-g2.log 2>/dev/null | tr -d '\r')
  [ -n "$l" ] && r "PASS domu/g2/console: xenconsoled (ours) logged: $l" || r "FAIL domu/g2/console: no GUEST T_USERSPACE in $LOGS/console/guest-g2.log"
  for d in xenstored:1 xenconsoled:0; do
    l=$(grep -m1 "xengnttab_map_grant_ref(dom=$G ref=${d#*:} " $LOGS/gnttrace-${d%:*}-ours.log 2>/dev/null)
    lib=$(grep -m1 'xengnttab_open.*library' $LOGS/gnttrace-${d%:*}-ours.log 2>/dev/null | sed 's/.*(library \(.*\))/\1/')
    case "$l" in ""|*"(nil)"*) r "FAIL daemons/ours/${d%:*}/maps-guest-ring: ${l:-no map of domain $G ref ${d#*:} in its trace}" ;;
                 *) [ "$lib" = $OURS ] && r "PASS daemons/ours/${d%:*}/maps-guest-ring: $(echo "$l" | sed 's/^GT pid=[0-9]* //; s/-> 0x.*/-> an address/'), handle opened in $lib" ||
                      r "FAIL daemons/ours/${d%:*}/maps-guest-ring: handle opened in '$lib'" ;; esac
  done
  xvchan pre node2 guest 1 16384 16384     # the guest's own traffic still flows with the daemons on ours
  gdestroy
  # the daemons unmapped the dead guest's rings
  for d in xenstored xenconsoled; do
    n=$(grep -c 'xengnttab_unmap(.*) -> 0' $LOGS/gnttrace-$d-ours.log)
    [ "$n" -ge 1 ] && r "PASS daemons/ours/$d/unmaps-dead-guest: $n successful unmaps in its trace" ||
      r "FAIL daemons/ours/$d/unmaps-dead-guest: $n unmaps -> 0 in $LOGS/gnttrace-$d-ours.log"
  done
fi

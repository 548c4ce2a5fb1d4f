# The second domain comes up: dom0 takes its vCPU 1 offline (the guest runs pinned on pCPU 1:
# README, Traps), xenstored and xenconsoled restart on Debian's library (traced), a PV guest
# boots with xl create, and its userspace reports through xenstore and its console.
one_vcpu
daemons deb
if gcreate g1; then
  o=$(gx 60 'echo hello from domain $(xenstore-read domid) $(xenstore-read name)')
  [ "$o" = "hello from domain $G g1" ] && r "PASS domu/g1/xenstore-agent: guest answered '$o'" ||
    r "FAIL domu/g1/xenstore-agent: got '$o'"
  o=$(gx 30 'xenstore-write data/marker guest-wrote-this; echo $?')
  [ "$(xenstore-read /local/domain/$G/data/marker 2>&1)" = guest-wrote-this ] && r "PASS domu/g1/guest-xenstore-write: dom0 reads data/marker" ||
    r "FAIL domu/g1/guest-xenstore-write: $o $(xenstore-read /local/domain/$G/data/marker 2>&1)"
  l=$(grep -m1 'GUEST T_USERSPACE' $LOGS/console/guest-g1.log 2>/dev/null | tr -d '\r')
  [ -n "$l" ] && r "PASS domu/g1/console: xenconsoled logged: $l" || r "FAIL domu/g1/console: no GUEST T_USERSPACE in $LOGS/console/guest-g1.log"
  # the daemons mapped the guest's rings through the library: GNTTAB_RESERVED_XENSTORE = 1, _CONSOLE = 0
  for d in xenstored:1 xenconsoled:0; do
    l=$(grep -m1 "xengnttab_map_grant_ref(dom=$G ref=${d#*:} " $LOGS/gnttrace-${d%:*}-deb.log 2>/dev/null)
    case "$l" in ""|*"(nil)"*) r "FAIL daemons/deb/${d%:*}/maps-guest-ring: ${l:-no map of domain $G ref ${d#*:} in its trace}" ;;
                 *) r "PASS daemons/deb/${d%:*}/maps-guest-ring: $(echo "$l" | sed 's/^GT pid=[0-9]* //; s/-> 0x.*/-> an address/')" ;; esac
  done
  echo "SHOW INFO xl list: $(xl list | tr -s ' ' | tr '\n' ';')" >> /tmp/raw
fi

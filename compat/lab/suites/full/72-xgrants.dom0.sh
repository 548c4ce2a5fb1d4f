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
  # vm-memory's GuestMemory over the guest's grants (examples/vmm_grants guest): xengnt in the
  # guest shares 2 pages holding a text until its stdin (a fifo) ends; dom0 maps them with one
  # page of its own in one GrantMemory, reads the text, leaves its own, which the guest prints
  s=$(up)
  gx 10 'rm -f /tmp/vm.*; mkfifo /tmp/vm.in; (timeout 60 $T/xengnt share 0 --pages 2 --text from-the-guest < /tmp/vm.in > /tmp/vm.out 2>&1; echo $? > /tmp/vm.rc) & sleep 60 > /tmp/vm.in & echo $! > /tmp/vm.pid' > /dev/null
  i=0; refs=
  while [ -z "$refs" ] && [ $i -lt 50 ]; do refs=$(gx 5 'sed -n "s/^refs //p" /tmp/vm.out'); i=$((i + 1)); [ -z "$refs" ] && usleep 100000; done
  if [ -n "$refs" ]; then
    out=$(timeout 30 $T/vmm_grants guest $G from-the-guest $refs 2>/tmp/vmm_grants.err); rc=$?
    echo "$out" | sed "s/^/SHOW vmm_grants guest $G from-the-guest $refs: /" >> /tmp/raw
    echo "$out" | sed -n 's/^ok \(vmm\/[^ ]*\)$/PASS xgrants\/\1/p; s/^FAIL \(vmm\/[^:]*\): /FAIL xgrants\/\1: /p' |
      while read -r line; do r "$line"; done
    case "$out" in *"vmm_grants: 6 passed, 0 failed") [ $rc = 0 ];; *) false;; esac &&
      r "PASS xgrants/vmm/dom0-maps-guest-grants: $(echo "$out" | tail -1)" ||
      r "FAIL xgrants/vmm/dom0-maps-guest-grants: rc=$rc $(echo "$out" | tail -2 | tr '\n' ' ') $(tail -2 /tmp/vmm_grants.err | tr '\n' ' ')"
  else
    r "FAIL xgrants/vmm/guest-shares: no refs from xengnt in the guest: $(gx 5 'cat /tmp/vm.out' | tr '\n' ' ')"
  fi
  gx 10 'kill $(cat /tmp/vm.pid); i=0; while [ ! -f /tmp/vm.rc ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done; cat /tmp/vm.out; echo "rc=$(cat /tmp/vm.rc)"' > /tmp/vm.guest
  sed 's/^/SHOW xengnt share in the guest: /' /tmp/vm.guest >> /tmp/raw
  grep -q '^text: "from dom0 via vm-memory"$' /tmp/vm.guest && grep -q '^rc=0$' /tmp/vm.guest &&
    r "PASS xgrants/vmm/guest-sees-dom0s-text: xengnt in the guest printed it and exited 0" ||
    r "FAIL xgrants/vmm/guest-sees-dom0s-text: $(tr '\n' ' ' < /tmp/vm.guest)"
  echo "SHOW TIMING xgrants vmm: $(since $s)s" >> /tmp/raw
else
  r "FAIL xgrants: no guest (70-domu failed)"
fi

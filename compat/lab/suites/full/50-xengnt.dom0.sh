# 50-xengnt: the safe API's examples and the xengnt CLI on real Xen. Two `xengnt shell`s are
# driven through fifos: A shares a page, B maps it, each sees the other's words, and each
# side's unmap notification clears the byte the other watches. The sessions are sent to the
# host as SHOW lines (a transcript). The shells also bind an event channel pair, and each
# side's --notify-port (shell and one-shot) must wake the other shell's `wait`.
# budget: 180   (seconds; dom0 stops the suite after that: compat/lab/README.md)
for ex in share_map_roundtrip map_batch unmap_notify grant_copy evtchn_ping owned_threads; do
  out=$(timeout 30 $T/$ex 2>&1); rc=$?
  if [ $rc = 0 ]; then r "PASS xengnt/example/$ex: $(echo "$out" | tail -1)"
  else r "FAIL xengnt/example/$ex: rc=$rc $(echo "$out" | tail -3 | tr '\n' ' ')"; fi
done

# vm-memory's traits over grants (examples/vmm_grants): one result per check of the example,
# its stderr (the expected map failures' log lines) kept out of them
s=$(up)
out=$(timeout 30 $T/vmm_grants 2>/tmp/vmm_grants.err); rc=$?
echo "SHOW TIMING xengnt vmm_grants: $(since $s)s" >> /tmp/raw
echo "$out" | sed -n 's/^ok \(vmm\/[^ ]*\)$/PASS xengnt\/\1/p; s/^FAIL \(vmm\/[^:]*\): /FAIL xengnt\/\1: /p' |
  while read -r line; do r "$line"; done
case "$out" in
  *"vmm_grants: vm-memory supports 64-bit targets only"*) r "PASS xengnt/example/vmm_grants: 64-bit only, skipped";;
  *"vmm_grants: "*" passed, 0 failed") [ $rc = 0 ] && r "PASS xengnt/example/vmm_grants: $(echo "$out" | tail -1)" ||
    r "FAIL xengnt/example/vmm_grants: rc=$rc";;
  *) r "FAIL xengnt/example/vmm_grants: rc=$rc $(echo "$out" | tail -3 | tr '\n' ' ') $(tail -2 /tmp/vmm_grants.err | tr '\n' ' ')";;
esac

out=$(timeout 10 $T/xengnt info 2>&1); rc=$?
echo "$out" | sed 's/^/SHOW xengnt info: /' >> /tmp/raw
if [ $rc = 0 ] && echo "$out" | grep -q '^/dev/xen/gntdev: available$' &&
   echo "$out" | grep -q '^/dev/xen/gntalloc: available$' &&
   echo "$out" | grep -q '^/sys/module/xen_gntalloc/parameters/limit: [0-9]'; then
  r "PASS xengnt/info: both devices available, $(echo "$out" | grep -m1 '/limit:')"
else
  r "FAIL xengnt/info: rc=$rc $(echo "$out" | tr '\n' ' ')"
fi

XG=/tmp/xengnt
trap '' PIPE   # a shell that died must fail its checks, not kill the suite with SIGPIPE
rm -rf $XG; mkdir -p $XG
mkfifo $XG/a.in $XG/b.in
timeout 120 $T/xengnt shell < $XG/a.in > $XG/a.out 2> $XG/a.err &
XGA=$!
timeout 120 $T/xengnt shell < $XG/b.in > $XG/b.out 2> $XG/b.err &
XGB=$!
exec 7> $XG/a.in 8> $XG/b.in
xg_n=0 xg_seen_a=0 xg_seen_b=0
xg() {   # xg a|b "command": run a command in shell A or B, wait for it, copy its output to the transcript
  xg_n=$((xg_n + 1))
  if [ $1 = a ]; then printf '%s\necho @done%s\n' "$2" $xg_n >&7; else printf '%s\necho @done%s\n' "$2" $xg_n >&8; fi
  echo "SHOW xengnt $1> $2" >> /tmp/raw
  i=0
  while ! grep -q "^@done$xg_n\$" $XG/$1.out; do
    i=$((i + 1)); [ $i -gt 400 ] && { echo "SHOW xengnt $1: (no answer in 20 s)" >> /tmp/raw; return 1; }
    sleep 0.05
  done
  eval "seen=\$xg_seen_$1"
  sed -n "$((seen + 1)),\$p" $XG/$1.out | grep -v '^@done' > $XG/last
  sed "s/^/SHOW xengnt $1: /" $XG/last >> /tmp/raw
  eval "xg_seen_$1=$(wc -l < $XG/$1.out)"
}
xgout() { cat $XG/last; }   # what the last xg printed
xg_check() {  # xg_check NAME WANT GOT: PASS when GOT contains WANT
  case "$3" in *"$2"*) r "PASS xengnt/shell/$1: $2";; *) r "FAIL xengnt/shell/$1: want '$2', got '$(echo "$3" | tr '\n' ' ')'";; esac
}

xg a "share 0 --notify 4000"
REF=$(sed -n 's/^slot 1: shared ref \([0-9]*\) with domain 0 (peer rw) at 0x[0-9a-f]*$/\1/p' $XG/a.out)
[ -n "$REF" ] && r "PASS xengnt/shell/share: ref $REF" || r "FAIL xengnt/shell/share: $(head -3 $XG/a.out $XG/a.err | tr '\n' ' ')"
REF=${REF:-0}
xg b "map 0 $REF --notify 4001"
xg_check map "slot 1: mapped ref $REF of domain 0 (rw) at 0x" "$(xgout b)"
xg a "poke 1 4000 1"
xg a "poke 1 4001 1"
xg a "append from-a"
xg b "show"
xg_check show-lists-the-mapping "slot 1: mapped ref $REF of domain 0 (rw)" "$(xgout b)"
xg_check words-a-to-b ': "from-a"' "$(xgout b)"
xg b "append from-b"
xg a "show"
xg_check words-b-to-a ': "from-a from-b"' "$(xgout a)"
xg a "peek 1 4001"
xg_check watched-byte-set-before-release "slot 1 byte 4001: 1" "$(xgout a)"
xg b "release 1"
xg_check release "slot 1: unmapped ref $REF" "$(xgout b)"
xg a "peek 1 4001"
xg_check mapper-release-notifies "slot 1 byte 4001: 0" "$(xgout a)"
xg b "map 0 $REF --ro"
xg b "peek 2 4000"
xg_check watched-byte-set-before-unshare "slot 2 byte 4000: 1" "$(xgout b)"
xg a "unshare $REF"
xg_check unshare "slot 1: unshared ref $REF" "$(xgout a)"
xg b "peek 2 4000"
xg_check sharer-unshare-notifies "slot 2 byte 4000: 0" "$(xgout b)"
xg b "show"
xg_check page-lives-while-mapped ': "from-a from-b"' "$(xgout b)"
xg a "share 0"
ADDR=$(xgout a | sed -n 's/^slot 2: shared ref [0-9]* with domain 0 (peer rw) at \(0x[0-9a-f]*\)$/\1/p')
xg a "unmap ${ADDR:-0x0}"
xg_check unmap-by-address "slot 2: unshared ref" "$(xgout a)"
# event channels: A binds a port for domain 0, B connects to it (Xen marks B's new port
# pending once: drained first); then every event is checked to come alone, after a quiet wait
xg a "bind 0"
PA=$(xgout a | sed -n 's/^port \([0-9]*\): unbound, for domain 0$/\1/p')
xg b "bind 0 ${PA:-0}"
PB=$(xgout b | sed -n "s/^port \([0-9]*\): bound to port ${PA:-0} of domain 0\$/\1/p")
[ -n "$PA" ] && [ -n "$PB" ] && r "PASS xengnt/shell/bind: ports $PA <-> $PB" || r "FAIL xengnt/shell/bind: '$PA' '$PB'"
PA=${PA:-0} PB=${PB:-0}
xg_event() {   # xg_event NAME WAITER PORT SIDE COMMAND: WAITER's shell is quiet, SIDE runs COMMAND, WAITER gets an event on PORT
  xg $2 "wait 200"
  xg_check quiet-before-$1 "no event in 200 ms" "$(xgout $2)"
  xg $4 "$5"
  xg $2 "wait 3000"
  xg_check $1 "event on port $3" "$(xgout $2)"
}
xg b "wait 1000"
xg_event notify-wakes-peer b $PB a "notify $PA"
# --notify-port on a share: A's unshare signals PA, B (which maps the page) sees it on PB
xg a "share 0 --notify-port $PA"
NREF=$(xgout a | sed -n 's/^slot [0-9]*: shared ref \([0-9]*\) .*/\1/p')
xg b "map 0 ${NREF:-0} --ro"
xg_event notify-port-on-unshare b $PB a "unshare ${NREF:-0}"
# --notify-port on a map: B's release signals PB, A (which shares the page) sees it on PA
xg a "share 0"
NREF=$(xgout a | sed -n 's/^slot \([0-9]*\): shared ref \([0-9]*\) .*/\2/p')
xg b "map 0 ${NREF:-0} --notify-port $PB"
NSLOT=$(xgout b | sed -n 's/^slot \([0-9]*\): mapped .*/\1/p')
xg_event notify-port-on-release a $PA b "release ${NSLOT:-0}"
# the one-shot map names B's port (any port bound in this domain will do): A sees the event
xg a "wait 200"
xg_check quiet-before-oneshot "no event in 200 ms" "$(xgout a)"
out=$(timeout 20 $T/xengnt map 0 ${NREF:-0} --notify-port $PB 2>&1); rc=$?
echo "$out" | sed "s/^/SHOW xengnt map 0 $NREF --notify-port $PB: /" >> /tmp/raw
xg a "wait 3000"
case "$out" in *"unmapped 1 page(s)"*) [ $rc = 0 ];; *) false;; esac &&
  xg_check oneshot-notify-port "event on port $PA" "$(xgout a)" || r "FAIL xengnt/oneshot/notify-port: rc=$rc $(echo "$out" | tr '\n' ' ')"
echo quit >&7
echo quit >&8
echo "SHOW xengnt a> quit" >> /tmp/raw
exec 7>&- 8>&-
wait $XGA; rca=$?
wait $XGB; rcb=$?
if [ $rca = 0 ] && [ $rcb = 0 ] && [ ! -s $XG/a.err ] && [ ! -s $XG/b.err ]; then
  r "PASS xengnt/shell/clean-exit: both shells exit 0 with nothing on stderr"
else
  r "FAIL xengnt/shell/clean-exit: rc $rca/$rcb, stderr: $(cat $XG/a.err $XG/b.err | head -4 | tr '\n' ' ')"
fi

# bad input on real Xen: clear errors, usage status 2, no crash
out=$(printf 'map 0\npeek 9 0\nmap 0 99999\n' | timeout 20 $T/xengnt shell 2>&1); rc=$?
case "$out" in
  *"line 1: map: missing arguments"*"line 2: peek: no slot 9"*"line 3: map: mapping ref 99999 of domain 0: "*)
    [ $rc = 2 ] && r "PASS xengnt/shell/bad-input: rc 2, errors per line" || r "FAIL xengnt/shell/bad-input: rc=$rc";;
  *) r "FAIL xengnt/shell/bad-input: rc=$rc $(echo "$out" | tr '\n' ' ')";;
esac

# one-shot commands: share holds the page until its stdin ends; map and copy use it meanwhile
mkfifo $XG/s.in
timeout 60 $T/xengnt share 0 --text hello < $XG/s.in > $XG/s.out 2>&1 &
XGS=$!
exec 6> $XG/s.in
i=0; while ! grep -q '^refs ' $XG/s.out && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
SREF=$(sed -n 's/^refs \([0-9]*\)$/\1/p' $XG/s.out)
out=$(timeout 20 $T/xengnt map 0 ${SREF:-0} --write world 2>&1); rc=$?
echo "$out" | sed "s/^/SHOW xengnt map 0 $SREF --write world: /" >> /tmp/raw
case "$out" in *"page 0 ref $SREF: \"hello\""*"wrote \"world\" to page 0"*"unmapped 1 page(s)"*) [ $rc = 0 ];; *) false;; esac &&
  r "PASS xengnt/oneshot/map: saw hello, wrote world" || r "FAIL xengnt/oneshot/map: rc=$rc $(echo "$out" | tr '\n' ' ')"
timeout 20 $T/xengnt copy to 0 ${SREF:-0} '!' --offset 5 > $XG/c1.out 2>&1; rc1=$?
out=$(timeout 20 $T/xengnt copy from 0 ${SREF:-0} --len 8 2>&1); rc=$?
case "$out" in *'status: okay (GNTST_okay)'*'text: "world!"'*) [ $rc = 0 ] && [ $rc1 = 0 ];; *) false;; esac &&
  r "PASS xengnt/oneshot/copy: to and from the grant" || r "FAIL xengnt/oneshot/copy: rc=$rc1/$rc $(cat $XG/c1.out) $(echo "$out" | tr '\n' ' ')"
out=$(timeout 20 $T/xengnt copy from 0 99999 2>&1); rc=$?
case "$out" in *"grant copy: invalid grant reference (GNTST_bad_gntref)"*) [ $rc = 1 ];; *) false;; esac &&
  r "PASS xengnt/oneshot/copy-bad-ref: exit 1, $(echo "$out" | tail -1)" || r "FAIL xengnt/oneshot/copy-bad-ref: rc=$rc $(echo "$out" | tr '\n' ' ')"
exec 6>&-
wait $XGS; rc=$?
case "$(cat $XG/s.out)" in *'text: "world!"'*"unshared 1 page(s)"*) [ $rc = 0 ];; *) false;; esac &&
  r "PASS xengnt/oneshot/share: held until stdin ended, saw the peer's text" || r "FAIL xengnt/oneshot/share: rc=$rc $(cat $XG/s.out | tr '\n' ' ')"
trap - PIPE

# xdom-pair.sh - one run of c-tests/xdom/xdom: a sharer in one domain, a mapper in another (or
# both in dom0, peer domid 0: the loopback). Sourced under busybox sh (the lab's dom0), after
# lib.sh. The two programs talk only through files in their own domain's /tmp; this relays them:
#
#   sharer: xdom share <mapper-domid> S        (S = /tmp/xdom-<tag>-<cfg>-s in the sharer's domain)
#   wait for S/refs, read its one line of tokens
#   mapper: xdom map <sharer-domid> M <tokens> (M = /tmp/xdom-<tag>-<cfg>-m in the mapper's domain)
#   wait for M/mapped      -> touch S/verify
#   wait for S/unshared    -> touch M/peer-unshared
#   wait for the mapper to end -> touch S/finish; wait for the sharer to end
#   append both outputs to /tmp/raw for the host checker (c-tests/xdom/xdom-check.awk):
#     @@xdom <tag> <cfg> share|map|pair <line>     records (pair: this relay's own steps)
#     @@xdom <tag> <cfg> share-rc|map-rc <status>  exit status (124/143: killed by timeout)
# A step that fails is recorded ([BAD]) and the relay still touches the remaining files, so
# both programs reach their end (each of their waits is bounded as well) and nothing hangs.
#
# usage: xdom_pair <cfg> <share-exec> <map-exec> <sharer-domid> <mapper-domid> <tag>
#   <cfg>         a library configuration of lib.sh's run() (deb, lp, pre, ...)
#   <share-exec>  runs ONE command string in the sharer's domain with lib.sh's helpers (run)
#                 sourced and prints its output; it may carry words, e.g. "gx 60" (called as
#                 $exec "cmd"). Each command it gets returns within about 11 s. Background jobs
#                 in the strings have all their fds redirected, so a $(...) around it returns.
#   <map-exec>    the same for the mapper's domain. xdom_here (below) is the loopback one.
# env: XDOM_BIN  the program's path in both domains (/tests/xdom)
#      XDOM_TMO  timeout(1) of each program in seconds (300; its own waits are XDOM_WAIT=120 s)
#      XDOM_LIB  lib.sh that xdom_here sources (/tests/lib.sh)
XDOM_BIN=${XDOM_BIN:-/tests/xdom}
XDOM_TMO=${XDOM_TMO:-300}
XDOM_LIB=${XDOM_LIB:-/tests/lib.sh}

xdom_here() {   # xdom_here <command string>: the loopback exec, a new sh in this domain
  sh -c ". $XDOM_LIB; $1" < /dev/null 2>&1
}

xdom_start() {  # xdom_start <exec> <cfg> <dir> <xdom args...>: start xdom in the background
  local x=$1 c=$2 d=$3
  shift 3
  $x "rm -rf $d; mkdir -p $d; ( run $c timeout $XDOM_TMO $XDOM_BIN $* > $d/out 2>&1; echo \$? > $d/rc.tmp; mv $d/rc.tmp $d/rc ) < /dev/null > /dev/null 2>&1 &" > /dev/null
}

# xdom_await <exec> <dir> <file> <seconds>: 0 once <dir>/<file> exists; 1 when the time ran
# out or the program of <dir> ended without it. Polls in the other domain, 10 s per command.
xdom_await() {
  local x=$1 d=$2 f=$3 left=$4 got
  while [ $left -gt 0 ]; do
    got=$($x "i=0; while [ ! -e $d/$f ] && [ ! -e $d/rc ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done; [ -e $d/$f ] && echo got-file; [ -e $d/rc ] && echo ended")
    case "$got" in *got-file*) return 0 ;; *ended*) return 1 ;; esac
    left=$((left - 10))
  done
  return 1
}

# xdom_step <exec> <dir> <file> <seconds> <prefix> <id> <what>: xdom_await + a pair record
xdom_step() {
  if xdom_await "$1" $2 $3 $4; then
    echo "$5 pair $6: $7 [ok]" >> /tmp/raw
  else
    echo "$5 pair $6: $7 missing [BAD: not within $4 s or its program ended first]" >> /tmp/raw
    return 1
  fi
}

xdom_collect() {   # xdom_collect <exec> <dir> <prefix>: out (15 lines per command) and rc to /tmp/raw
  local x=$1 d=$2 p=$3 n=0 total rc
  total=$($x "wc -l < $d/out 2>/dev/null || echo 0")
  case "$total" in ''|*[!0-9]*) total=0 ;; esac
  while [ $n -lt $total ]; do
    $x "sed -n '$((n + 1)),$((n + 15))p' $d/out" | sed "s/^/$p /" >> /tmp/raw
    n=$((n + 15))
  done
  rc=$($x "cat $d/rc 2>/dev/null || echo none")
  echo "$p-rc $rc" >> /tmp/raw
}

xdom_pair() {
  local cfg=$1 sx=$2 mx=$3 sdom=$4 mdom=$5 tag=$6
  local sd=/tmp/xdom-$tag-$cfg-s md=/tmp/xdom-$tag-$cfg-m p="@@xdom $tag $cfg" refs
  echo "$p pair BEGIN xdom pair" >> /tmp/raw
  xdom_start "$sx" $cfg $sd share $mdom $sd
  refs=none
  xdom_step "$sx" $sd refs 60 "$p" pair.refs "the sharer's refs" && refs=$($sx "cat $sd/refs")
  xdom_start "$mx" $cfg $md map $sdom $md $refs
  xdom_step "$mx" $md mapped 120 "$p" pair.mapped "the mapper's mapped"
  $sx "touch $sd/verify" > /dev/null
  xdom_step "$sx" $sd unshared 120 "$p" pair.unshared "the sharer's unshared"
  $mx "touch $md/peer-unshared" > /dev/null
  xdom_step "$mx" $md rc 60 "$p" pair.map-ended "the mapper's exit"
  $sx "touch $sd/finish" > /dev/null
  xdom_step "$sx" $sd rc 60 "$p" pair.share-ended "the sharer's exit"
  echo "$p pair END xdom pair" >> /tmp/raw
  xdom_collect "$sx" $sd "$p share"
  xdom_collect "$mx" $md "$p map"
}

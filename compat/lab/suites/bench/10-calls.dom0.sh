# bench: cost per call of every row of c-tests/bench/gntbench, Debian's library (deb) and ours
# (lp) alternately, ROUNDS times each, in this one boot; then one strace pass per library for
# the syscalls per call. Raw lines go to the host (10-calls.host.sh makes the table).
# budget: 900   (seconds; dom0 stops the suite after that: compat/lab/README.md)
ROUNDS=7 ROW_MS=200 COUNT_ITERS=10
[ -f /tests/bench.conf ] && . /tests/bench.conf     # host overrides for quick runs (10-calls.build.sh)
# The page pool (1024) plus the 64-page share row exceed gntalloc's default limit of 1024.
GA_LIMIT=/sys/module/xen_gntalloc/parameters/limit
ga_old=$(cat $GA_LIMIT 2>/dev/null)
[ -n "$ga_old" ] && [ "$ga_old" -lt 4096 ] && echo 4096 > $GA_LIMIT
r "INFO bench: gntalloc limit ${ga_old:-?} -> $(cat $GA_LIMIT 2>/dev/null)"
echo "@@plan calls rounds=$ROUNDS row_ms=$ROW_MS count_iters=$COUNT_ITERS" >> /tmp/raw

libwant() { case $1 in deb) echo $DEBSO;; *) echo $OURS;; esac; }
# bench_check <what> <cfg> <rc> <outfile>: "" if the run completed with the right library
bench_check() {
  lib=$(sed -n 's/^LIB //p' $4)
  [ "$3" = 0 ] && grep -q '^DONE' $4 || { echo "$1/$2: rc=$3 $(grep '^FAIL' $4 | head -1)"; return; }
  [ "$lib" = "$(libwant $2)" ] || echo "$1/$2: library $lib, want $(libwant $2)"
}

bad=
for i in $(seq 1 $ROUNDS); do
  for c in deb lp; do
    run $c timeout 120 $T/gntbench time $ROW_MS > /tmp/gb.out 2>/tmp/gb.err
    why=$(bench_check "round $i" $c $? /tmp/gb.out)
    [ -n "$why" ] && bad="$bad; $why $(head -c 200 /tmp/gb.err)"
    sed -n "s/^R /@@bench $c $i /p" /tmp/gb.out >> /tmp/raw
    echo "bench: calls round $i/$ROUNDS $c: $(grep -c '^R ' /tmp/gb.out) rows at $(up)s"   # console only
  done
done
[ -z "$bad" ] && r "PASS bench/calls: $ROUNDS rounds x 2 libraries completed" || r "FAIL bench/calls:$bad"

# Syscalls per call: every syscall of the thread running a row's loop, between the markers
# gntbench writes (write(-1, "BENCH+ <row>") ... write(-1, "BENCH- <row>")).
count_syscalls() {   # count_syscalls <cfg> <strace -f output> -> "@@sys <cfg> <row> <syscalls> <detail>"
  awk -v c=$1 '
    { pid = "main"; if ($1 ~ /^[0-9]+$/) { pid = $1; sub(/^[0-9]+ +/, "") } }
    /^write\(-1, "BENCH[+-] / { split($0, q, "\""); row = substr(q[2], 8)
      if (substr(q[2], 6, 1) == "+") { on[pid] = row; seen[row] = 1 } else on[pid] = ""; next }
    /^<\.\.\. / || /^\+\+\+ / || /^--- / { next }     # resumed halves, exits, signals
    on[pid] != "" { name = $0; sub(/\(.*/, "", name); row = on[pid]; n[row]++; k[row SUBSEP name]++ }
    END { for (row in seen) { d = ""
            for (x in k) { split(x, p, SUBSEP); if (p[1] == row) d = d (d == "" ? "" : ",") p[2] ":" k[x] }
            printf "@@sys %s %s %d %s\n", c, row, n[row], d == "" ? "-" : d } }' $2
}
bad=
for c in deb lp; do
  run $c timeout 300 $T/strace -f -o /tmp/st-$c $T/gntbench count $COUNT_ITERS > /tmp/gc-$c.out 2>/tmp/gc-$c.err
  why=$(bench_check strace $c $? /tmp/gc-$c.out)
  [ -n "$why" ] && bad="$bad; $why $(head -c 200 /tmp/gc-$c.err)"
  sed -n "s/^C /@@ops $c /p" /tmp/gc-$c.out >> /tmp/raw
  count_syscalls $c /tmp/st-$c >> /tmp/raw
  rm -f /tmp/st-$c
done
[ -z "$bad" ] && r "PASS bench/syscalls: one strace pass per library completed" || r "FAIL bench/syscalls:$bad"
[ -n "$ga_old" ] && echo "$ga_old" > $GA_LIMIT

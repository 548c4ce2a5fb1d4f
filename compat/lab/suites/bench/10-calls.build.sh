# c-tests/bench/gntbench, compiled ONCE against Debian's header and library (run with either
# library in dom0), and the host's strace (Debian 12's) to count the syscalls of each call.
cc -o "$B/tests/gntbench" "$REPO"/c-tests/bench/gntbench.c -lxengnttab -lpthread >"$B/gntbench.log" 2>&1
res $? gntbench "$(head -3 "$B/gntbench.log")"
if ! command -v strace >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends strace >"$B/strace.log" 2>&1
fi
cp "$(command -v strace)" "$B/tests/strace" 2>>"$B/strace.log"
res $? strace "no strace on the host: $(tail -2 "$B/strace.log")"
# BENCH_ROUNDS, BENCH_ROW_MS, BENCH_VROUNDS from the host's environment: fewer/shorter rounds
# for a quick run while working on the benchmark (the defaults are in 10-calls.dom0.sh)
{ [ -n "${BENCH_ROUNDS:-}" ] && echo "ROUNDS=$BENCH_ROUNDS"
  [ -n "${BENCH_ROW_MS:-}" ] && echo "ROW_MS=$BENCH_ROW_MS"
  [ -n "${BENCH_VROUNDS:-}" ] && echo "VROUNDS=$BENCH_VROUNDS"; } > "$B/tests/bench.conf"

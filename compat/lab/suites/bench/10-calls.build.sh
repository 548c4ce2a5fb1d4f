# c-tests/bench/gntbench, compiled ONCE against Debian's header and library (run with either
# library in dom0), and Debian 12's strace of the stack's architecture (host/tree.sh
# stack_tools: the host's on amd64, the stack's deb on Arm) to count the syscalls of each call.
cc -o "$B/tests/gntbench" "$REPO"/c-tests/bench/gntbench.c -lxengnttab -lpthread >"$B/gntbench.log" 2>&1
res $? gntbench "$(head -3 "$B/gntbench.log")"
ST=$(stack_tools strace 2>"$B/strace.log") && cp "$ST/usr/bin/strace" "$B/tests/strace" 2>>"$B/strace.log"
res $? strace "no strace for $ARCH: $(tail -2 "$B/strace.log")"
# BENCH_ROUNDS, BENCH_ROW_MS from the host's environment: fewer/shorter rounds for a quick run
# while working on the benchmark (the defaults are in 10-calls.dom0.sh)
{ [ -n "${BENCH_ROUNDS:-}" ] && echo "ROUNDS=$BENCH_ROUNDS"
  [ -n "${BENCH_ROW_MS:-}" ] && echo "ROW_MS=$BENCH_ROW_MS"; } > "$B/tests/bench.conf"

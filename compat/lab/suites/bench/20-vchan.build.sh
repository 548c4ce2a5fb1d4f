# The vchan benchmark's programs are host/build.sh's (vchan-node2); BENCH_VROUNDS from the
# host's environment sets its number of rounds (the default is in 20-vchan.dom0.sh).
{ [ -n "${BENCH_VROUNDS:-}" ] && echo "VROUNDS=$BENCH_VROUNDS"; } > "$B/tests/vchan.conf"

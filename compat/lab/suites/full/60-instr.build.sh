# The instruction count of `make bench` (suites/bench/15-instr.*), reduced to its verdicts:
# ours executes no more user-space instructions per call than Debian's library on any row.
. "$REPO/compat/lab/suites/bench/15-instr.build.sh"
cp "$REPO/compat/lab/suites/bench/15-instr.dom0.sh" "$B/tests/"

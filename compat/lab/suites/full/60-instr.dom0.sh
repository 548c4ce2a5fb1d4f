# Instructions per call with each library: the bench suite's script (copied by 60-instr.build.sh).
# budget: 300   (seconds; dom0 stops the suite after that: compat/lab/README.md)
. /tests/15-instr.dom0.sh

# Instructions per call with each library: the bench suite's script (copied by 60-instr.build.sh).
. /tests/15-instr.dom0.sh

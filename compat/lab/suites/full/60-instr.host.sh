#!/bin/bash
# One check per row: ours <= upstream in user-space instructions per call (the bench suite's
# checker; the table is kept in <workdir>/bench-instr.md).
# usage: 60-instr.host.sh <workdir> <repo> <dom0.txt>
exec "$2/compat/lab/suites/bench/15-instr.host.sh" "$@"

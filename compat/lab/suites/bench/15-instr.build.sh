# Instructions per call: c-tests/bench/gntbench (its own copy, built once against Debian's
# header and library) under Debian's valgrind (callgrind) in dom0, with Debian's library and
# with ours. valgrind.bin, the callgrind tool and its preload go to /tests/valgrind
# (VALGRIND_LIB); their libraries are copied like every ELF file's in /tests.
if [ ! -f /usr/include/valgrind/callgrind.h ] || [ ! -x /usr/libexec/valgrind/callgrind-amd64-linux ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind >"$B/valgrind.log" 2>&1
fi
cc -o "$B/tests/gntbench-cg" "$REPO"/c-tests/bench/gntbench.c -lxengnttab -lpthread >"$B/gntbench-cg.log" 2>&1
res $? gntbench-cg "$(head -3 "$B/gntbench-cg.log")"
mkdir -p "$B/tests/valgrind"
cp /usr/bin/valgrind.bin "$B/tests/valgrind/valgrind" &&
  cp /usr/libexec/valgrind/callgrind-amd64-linux /usr/libexec/valgrind/vgpreload_core-amd64-linux.so \
     /usr/libexec/valgrind/default.supp "$B/tests/valgrind/" >>"$B/valgrind.log" 2>&1
res $? valgrind "valgrind's callgrind not found on the host: $(tail -2 "$B/valgrind.log" 2>/dev/null)"
cp "$REPO/compat/lab/suites/bench/15-instr.awk" "$B/tests/"
# INSTR_ITERS: iterations per row; INSTR_DUMP='<row> ...': also send those rows' callgrind dumps
# to the host (lines "@@cgdump <cfg> <row> <line>"), for callgrind_annotate when profiling.
{ [ -n "${INSTR_ITERS:-}" ] && echo "INSTR_ITERS=$INSTR_ITERS"
  [ -n "${INSTR_DUMP:-}" ] && echo "INSTR_DUMP='$INSTR_DUMP'"; } > "$B/tests/instr.conf"

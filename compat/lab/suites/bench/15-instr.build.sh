# Instructions per call: c-tests/bench/gntbench (its own copy, built once against Debian's
# header and library) under Debian's valgrind (callgrind) in dom0, with Debian's library and
# with ours. valgrind.bin, the callgrind tool and its preload go to /tests/valgrind
# (VALGRIND_LIB); their libraries are copied like every ELF file's in /tests. The valgrind is
# the stack's architecture's (host/tree.sh stack_tools: the host's on amd64, the stack's
# bookworm deb on Arm), and so is callgrind.h, whose client requests are per-architecture asm.
VG=$(stack_tools valgrind 2>"$B/valgrind.log")
res $? valgrind-package "$(tail -2 "$B/valgrind.log")"
cc -I"$VG/usr/include" -o "$B/tests/gntbench-cg" "$REPO"/c-tests/bench/gntbench.c -lxengnttab -lpthread >"$B/gntbench-cg.log" 2>&1
res $? gntbench-cg "$(head -3 "$B/gntbench-cg.log")"
mkdir -p "$B/tests/valgrind"
cp "$VG/usr/bin/valgrind.bin" "$B/tests/valgrind/valgrind" &&
  cp "$VG/usr/libexec/valgrind/callgrind-$VG_PLATFORM" "$VG/usr/libexec/valgrind/vgpreload_core-$VG_PLATFORM.so" \
     "$VG/usr/libexec/valgrind/default.supp" "$B/tests/valgrind/" >>"$B/valgrind.log" 2>&1
res $? valgrind "valgrind's callgrind for $VG_PLATFORM not found in $VG: $(tail -2 "$B/valgrind.log" 2>/dev/null)"
cp "$REPO/compat/lab/suites/bench/15-instr.awk" "$B/tests/"
# INSTR_ITERS: iterations per row; INSTR_DUMP='<row> ...': also send those rows' callgrind dumps
# to the host (lines "@@cgdump <cfg> <row> <line>"), for callgrind_annotate when profiling.
{ [ -n "${INSTR_ITERS:-}" ] && echo "INSTR_ITERS=$INSTR_ITERS"
  [ -n "${INSTR_DUMP:-}" ] && echo "INSTR_DUMP='$INSTR_DUMP'"; } > "$B/tests/instr.conf"

# c-tests/matrix: the bad-input matrix of docs/robustness.md, compiled once against Debian's library
cc -o "$B/tests/matrix" "$REPO"/c-tests/matrix/matrix.c "$REPO"/c-tests/diff/report.c \
  -lxengnttab -lxenevtchn -lxentoolcore >"$B/matrix.log" 2>&1
res $? matrix "$(head -3 "$B/matrix.log")"

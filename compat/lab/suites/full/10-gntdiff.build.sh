# c-tests/diff/gntdiff + whichlib, compiled ONCE against Debian's header and library
cc -o "$B/tests/gntdiff" "$REPO"/c-tests/diff/gntdiff.c "$REPO"/c-tests/diff/report.c \
  -lxengnttab -lxenevtchn -lxentoolcore -lxentoollog >"$B/gntdiff.log" 2>&1
res $? gntdiff "$(head -3 "$B/gntdiff.log")"
cc -o "$B/tests/whichlib" "$REPO"/c-tests/diff/whichlib.c -lxengnttab -ldl >"$B/whichlib.log" 2>&1
res $? whichlib "$(head -3 "$B/whichlib.log")"

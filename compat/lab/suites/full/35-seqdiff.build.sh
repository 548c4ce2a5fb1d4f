# c-tests/seqdiff, compiled ONCE against Debian's header and library (run with both, like gntdiff)
cc -o "$B/tests/seqdiff" "$REPO"/c-tests/seqdiff/seqdiff.c "$REPO"/c-tests/seqdiff/sequtil.c \
  "$REPO"/c-tests/diff/report.c -lxengnttab -lxenevtchn -lxentoolcore -lxentoollog >"$B/seqdiff.log" 2>&1
res $? seqdiff "$(head -3 "$B/seqdiff.log")"

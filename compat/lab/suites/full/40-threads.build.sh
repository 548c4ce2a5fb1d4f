# c-tests/threads, against Debian's header; run with ours and with Debian's library
cc -pthread -o "$B/tests/threads" "$REPO"/c-tests/threads/threads.c "$REPO"/c-tests/threads/blocked.c \
  "$REPO"/c-tests/threads/usage.c "$REPO"/c-tests/diff/report.c -lxengnttab >"$B/threads.log" 2>&1
res $? threads "$(head -3 "$B/threads.log")"

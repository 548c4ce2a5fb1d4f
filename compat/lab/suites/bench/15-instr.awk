# Sums one callgrind dump (one row of `gntbench count` under --toggle-collect=count_ops) by object:
#   @@instr <cfg> <row> <user> <floor> lib=<n> libc=<n> xtl=<n> xtc=<n> other=<n>
# user:  every instruction outside gntbench itself: the library, libc (malloc included),
#        libxentoollog, libxentoolcore, the dynamic linker;
# floor: the instructions of libc's system-call wrappers alone (ioctl, mmap, munmap, open,
#        close, nanosleep), inclusive of what they call.
# Callgrind's format: "ob=" / "fn=" set the current object and function ("(n) name" defines a
# compressed name, "(n)" reuses it); a line "<position> <Ir>" is the function's own cost,
# except right after "calls=", where it is the inclusive cost of that call.
# usage: awk -v cfg=deb -f 15-instr.awk <dump>
function name(s,   id) {
  if (match(s, /^\([0-9]+\)/)) {
    id = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 2)
    if (s != "") names[FILENAME_KIND id] = s; else s = names[FILENAME_KIND id]
  }
  return s
}
function kind(ob) {
  if (ob ~ /gntbench/) return "bench"
  if (ob ~ /libxengnttab/) return "lib"
  if (ob ~ /libc\.so/) return "libc"
  if (ob ~ /libxentoollog/) return "xtl"
  if (ob ~ /libxentoolcore/) return "xtc"
  return "other"
}
BEGIN { WRAP = "^(ioctl|__ioctl|mmap|mmap64|__mmap|munmap|__munmap|open|open64|__open|__open64|__libc_open64|close|__close|__libc_close|nanosleep|__nanosleep|__libc_nanosleep)$" }
/^desc: Trigger: Client Request: / { row = $0; sub(/^desc: Trigger: Client Request: /, "", row) }
/^ob=/ { FILENAME_KIND = "ob"; ob = name(substr($0, 4)); k = kind(ob); next }
/^fn=/ { FILENAME_KIND = "fn"; fn = name(substr($0, 4)); wrap = (k == "libc" && fn ~ WRAP); next }
/^cob=/ { FILENAME_KIND = "ob"; name(substr($0, 5)); next }
/^cfn=/ { FILENAME_KIND = "fn"; name(substr($0, 5)); next }
/^calls=/ { call = 1; next }
/^([0-9]+|[+-][0-9]+|\*) [0-9]+/ {
  if (call) { call = 0; if (wrap) floor += $2; next }
  cost[k] += $2
  if (wrap) floor += $2
  next
}
END {
  user = cost["lib"] + cost["libc"] + cost["xtl"] + cost["xtc"] + cost["other"]
  printf "@@instr %s %s %d %d lib=%d libc=%d xtl=%d xtc=%d other=%d\n", cfg, row, user, floor,
    cost["lib"], cost["libc"], cost["xtl"], cost["xtc"], cost["other"]
}

# RSS added by loading ours instead of Debian's library: the soak (c-tests/robust/soak.c, 300
# cycles per variant after its warm-up) runs once with each library in this boot, and the
# highest RSS either reaches after a variant is compared. At most RSS_MAX_KIB more for ours.
# RSS counts the file pages a process has mapped, and the kernel's fault-around maps up to 16
# neighbours of each faulting page when they happen to be in the page cache, which depends on
# what ran before (Debian's peak moved between 1872 and 2024 KiB over six boots). With
# fault-around at one page and no address randomisation, RSS is the pages the process touched.
# budget: 120   (seconds; dom0 stops the suite after that: compat/lab/README.md)
RSS_MAX_KIB=16
FAULT_AROUND=/sys/kernel/debug/fault_around_bytes
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
old_fa=$(cat $FAULT_AROUND 2>/dev/null) old_aslr=$(cat /proc/sys/kernel/randomize_va_space)
if echo 4096 > $FAULT_AROUND && [ "$(cat $FAULT_AROUND)" = 4096 ] && echo 0 > /proc/sys/kernel/randomize_va_space; then
  for c in deb lp; do
    run $c timeout 300 $T/soak 300 rss-$c > /tmp/rss-$c.out 2>/tmp/rss-$c.err
    echo "rss: soak $c rc=$? at $(up)s"   # console only
    # "PASS soak/<variant>/<tag>: ..., RSS <a>-><b> KiB" -> "@@rss <cfg> <variant> <b>"
    sed -n "s|^[A-Z]* soak/\([a-z0-9-]*\)/rss-$c: .*RSS [0-9-]*->\([0-9-]*\) KiB.*|@@rss $c \1 \2|p" /tmp/rss-$c.out >> /tmp/raw
  done
else
  echo "rss: cannot set $FAULT_AROUND (was '$old_fa') or randomize_va_space" > /tmp/rss-deb.out
  : > /tmp/rss-lp.out
fi
[ -n "$old_fa" ] && echo "$old_fa" > $FAULT_AROUND
echo "$old_aslr" > /proc/sys/kernel/randomize_va_space
peak() { sed -n "s|^[A-Z]* soak/[a-z0-9-]*/rss-$1: .*RSS [0-9-]*->\([0-9]*\) KiB.*|\1|p" /tmp/rss-$1.out | sort -n | tail -1; }
deb_kib=$(peak deb) ours_kib=$(peak lp)
if [ -z "$deb_kib" ] || [ -z "$ours_kib" ]; then
  r "FAIL rss/added-by-ours: no RSS figures (deb: $(head -c 150 /tmp/rss-deb.out) / ours: $(head -c 150 /tmp/rss-lp.out))"
elif [ $((ours_kib - deb_kib)) -le $RSS_MAX_KIB ]; then
  r "PASS rss/added-by-ours: $((ours_kib - deb_kib)) KiB (peak RSS in the soak: ours $ours_kib KiB, Debian's $deb_kib KiB; at most $RSS_MAX_KIB)"
else
  r "FAIL rss/added-by-ours: $((ours_kib - deb_kib)) KiB, more than $RSS_MAX_KIB (peak RSS in the soak: ours $ours_kib KiB, Debian's $deb_kib KiB)"
fi

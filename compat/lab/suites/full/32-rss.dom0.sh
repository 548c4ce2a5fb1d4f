# RSS added by loading ours instead of Debian's library: the soak (c-tests/robust/soak.c, 300
# cycles per variant after its warm-up) runs once with each library in this boot, and the
# highest RSS either reaches after a variant is compared. At most RSS_MAX_KIB more for ours.
RSS_MAX_KIB=16
for c in deb lp; do
  run $c timeout 300 $T/soak 300 rss-$c > /tmp/rss-$c.out 2>/tmp/rss-$c.err
  echo "rss: soak $c rc=$? at $(up)s"   # console only
  # "PASS soak/<variant>/<tag>: ..., RSS <a>-><b> KiB" -> "@@rss <cfg> <variant> <b>"
  sed -n "s|^[A-Z]* soak/\([a-z0-9-]*\)/rss-$c: .*RSS [0-9-]*->\([0-9-]*\) KiB.*|@@rss $c \1 \2|p" /tmp/rss-$c.out >> /tmp/raw
done
peak() { sed -n "s|^[A-Z]* soak/[a-z0-9-]*/rss-$1: .*RSS [0-9-]*->\([0-9]*\) KiB.*|\1|p" /tmp/rss-$1.out | sort -n | tail -1; }
deb_kib=$(peak deb) ours_kib=$(peak lp)
if [ -z "$deb_kib" ] || [ -z "$ours_kib" ]; then
  r "FAIL rss/added-by-ours: no RSS figures (deb: $(head -c 150 /tmp/rss-deb.out) / ours: $(head -c 150 /tmp/rss-lp.out))"
elif [ $((ours_kib - deb_kib)) -le $RSS_MAX_KIB ]; then
  r "PASS rss/added-by-ours: $((ours_kib - deb_kib)) KiB (peak RSS in the soak: ours $ours_kib KiB, Debian's $deb_kib KiB; at most $RSS_MAX_KIB)"
else
  r "FAIL rss/added-by-ours: $((ours_kib - deb_kib)) KiB, more than $RSS_MAX_KIB (peak RSS in the soak: ours $ours_kib KiB, Debian's $deb_kib KiB)"
fi

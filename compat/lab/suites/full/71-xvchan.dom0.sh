# vchan across domains: the upstream vchan-node2 / vchan-node1 and Debian's vchan-socket-proxy,
# server in the guest and client in dom0 and the other way round, in-page (node1, the proxy) and
# multi-page rings (node2), md5-checked, with the same library setup on both sides: Debian's
# (deb), ours preloaded into the unmodified programs (pre), libxenvchan rebuilt on our header
# with ours (vch).
# budget: 1200   (seconds; dom0 stops the suite after that: compat/lab/README.md)
if [ -n "$G" ]; then
  for c in deb pre vch; do
    xvchan $c node2 guest 2 16384 16384
    xvchan $c node1 dom0 1
    [ $c = vch ] && continue
    xvchan $c node2 dom0 2 8192 16384
    xvchan $c node1 guest 1
    xvchan $c proxy guest 1
    xvchan $c proxy dom0 1
  done
else
  r "FAIL xvchan: no guest (70-domu failed)"
fi

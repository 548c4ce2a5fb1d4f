# The second domain comes up: dom0 takes its vCPU 1 offline (the guest runs pinned on pCPU 1:
# README, Traps), xenstored and xenconsoled restart on Debian's library (traced), a PV guest
# boots with xl create, and its userspace reports through xenstore and its console.
# budget: 300   (seconds; dom0 stops the suite after that: compat/lab/README.md)
one_vcpu
daemons deb
if gcreate g1; then
  greport deb
  echo "SHOW INFO xl list: $(xl list | tr -s ' ' | tr '\n' ';')" >> /tmp/raw
fi

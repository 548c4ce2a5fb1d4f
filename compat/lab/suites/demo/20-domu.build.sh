# demo across domains: the lab's PV guest (compat/lab/host/guest.sh)
GUEST=1
GUEST_TESTS="vchan-node1 vchan-node2"

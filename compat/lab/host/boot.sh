#!/bin/bash
# Boot the stack's Xen with a PV dom0 (the stack's kernel + the lab initramfs) in QEMU TCG.
# Serial log -> $W/serial.log. Prints "BOOT key=value" lines: qemu rc, wall time, the host
# time at which dom0 reached each marker, and the watchdog's verdict.
# usage: boot.sh <workdir>      env: TIMEOUT (600) SMP (2) MEM (2048)
set -uo pipefail
W=$1
cd "$W"
LOG=$W/serial.log
TIMEOUT=${TIMEOUT:-600}
SMP=${SMP:-2}
KERNEL=$(ls root/boot/vmlinuz-* | head -1)
# dom0_vcpus_pin: dom0's vCPU n runs on pCPU n only; the guest suites take vCPU 1 offline and pin
# the guest to pCPU 1, so no pCPU switches between PV vCPUs (compat/lab/README.md, Traps).
# guest_loglvl=error: keep Xen's per-guest warnings (e.g. refused grant ops, which we provoke
# on purpose) from interleaving with dom0's result lines; panics are always printed.
# com1 in poll mode (irq 0): Xen 4.20 bounds its UART interrupt handler and, when the TCG host is
# too slow for it, prints "(XEN) uart interrupt taking more than 4ms, switched to polling" into
# the middle of a dom0 result line.
XEN_ARGS="console=com1 com1=115200,8n1,0x3f8,0 dom0_mem=1024M,max:1024M dom0_max_vcpus=$SMP dom0_vcpus_pin loglvl=warning guest_loglvl=error noreboot"
DOM0_ARGS="console=hvc0 earlyprintk=xen"   # no commas: QEMU splits -initrd on ','
start=$(date +%s.%N)
el() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
# A boot that has not reached dom0's /init after STALL seconds is stuck (seen once while the
# two-domain suites were written: the dom0 kernel stopped printing in its initcalls, and the
# run waited for the full TIMEOUT). It is tried once more; the stuck serial log is kept as
# serial.log.stalled.
STALL=${STALL:-180}
BAD='Panic on CPU|Dom0 crashed|Manual reset required|Reboot disabled|Kernel panic|^\s*(\[ *[0-9.]+\] )?(BUG:|Oops)'
boot_once() {
  rm -f "$LOG" "$W/boot.stalled"; : > "$LOG"
  # -cpu max without SMAP: with SMAP the PV dom0 dies in create_bounce_frame (xenlab trap list)
  timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max,-smap \
    -smp "$SMP" -m "${MEM:-2048}" -display none -monitor none -serial file:"$LOG" -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel xen -append "$XEN_ARGS" -initrd "$KERNEL $DOM0_ARGS,initrd.cpio.gz" &
  QPID=$!
  # watchdog: a Xen panic or dom0 crash ends the run at once instead of waiting for the timeout
  (
    b0=$(date +%s)
    # marker -> its text: Xen's first console line (4.20 prints no banner at loglvl=warning),
    # dom0's kernel banner, then /init's markers
    names=(xen linux T_USERSPACE T_MODULES T_XENSTORE T_DONE)
    texts=("(XEN)" "Linux version" T_USERSPACE T_MODULES T_XENSTORE T_DONE)
    seen=""
    while kill -0 $QPID 2>/dev/null; do
      for i in "${!names[@]}"; do
        case " $seen " in *" ${names[i]} "*) continue;; esac
        grep -aqF "${texts[i]}" "$LOG" && { seen="$seen ${names[i]}"; echo "BOOT marker ${names[i]}=$(el)s"; }
      done
      if l=$(grep -a -m1 -E "$BAD" "$LOG"); then
        echo "BOOT watchdog=$(echo "$l" | tr -d '\r' | cut -c1-120)"
        sleep 3; kill $QPID 2>/dev/null; break
      fi
      case " $seen " in *" T_USERSPACE "*) ;; *)
        if [ $(($(date +%s) - b0)) -gt "$STALL" ]; then
          echo "BOOT stalled: no dom0 userspace after ${STALL}s ($(tail -c 300 "$LOG" | tr -d '\r' | tail -1 | cut -c1-100))"
          touch "$W/boot.stalled"; kill $QPID 2>/dev/null; break
        fi ;;
      esac
      sleep 0.5
    done
  ) &
  WPID=$!
  wait $QPID; rc=$?
  wait $WPID 2>/dev/null
}
boot_once
if [ -f "$W/boot.stalled" ]; then
  mv "$LOG" "$LOG.stalled"
  echo "BOOT retry after a stalled boot"
  boot_once
fi
echo "BOOT qemu_rc=$rc"
echo "BOOT wall=$(el)s"

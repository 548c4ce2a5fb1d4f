#!/bin/bash
# Boot the stack's Xen with dom0 (the stack's kernel + the lab initramfs) in QEMU TCG: the
# machine and the command lines are host/arch.sh's (ARCH: amd64, a PV dom0; arm64, Xen for Arm).
# Xen's console is the serial port (-> $W/serial.log); dom0's result stream (dom0/init) is a
# device that only dom0 writes (-> $W/stream.log): amd64's isa-debugcon at I/O port 0x6e9,
# arm64's virtio-serial port. Prints "BOOT key=value" lines: qemu rc, wall time, the host
# time at which dom0 reached each marker, and the watchdog's verdict.
# usage: boot.sh <workdir>
# env:   TIMEOUT (the last resort: QEMU is killed after this many seconds whatever happens; run-lab
#        sets it far above any normal run), STALL (180: seconds without dom0 userspace before the
#        boot is tried once more), SILENCE (300: seconds without a byte on the console or the
#        stream, once dom0 runs, before QEMU is stopped; dom0 sends a heartbeat every 20 s while a suite runs),
#        SMP (2), MEM (2048), LAB_CPU_QUOTA (QEMU's CPU share in percent of one core, e.g. 100
#        for half this 2-core machine: compat/lab/README.md, "A slow machine")
set -uo pipefail
W=$1
. "$(dirname "$0")/arch.sh"      # ARCH (run-lab exports the stack's): qemu_cmd
cd "$W"
LOG=$W/serial.log
STREAM=$W/stream.log
TIMEOUT=${TIMEOUT:-7200}
SMP=${SMP:-2}
STALL=${STALL:-180}
SILENCE=${SILENCE:-300}
KERNEL=$W/vmlinux      # dom0's kernel: the ELF inside the stack's bzImage, or arm64's Image (host/build.sh)
start=$(date +%s.%N)
el() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
BAD='Panic on CPU|Dom0 crashed|Manual reset required|Reboot disabled|Kernel panic|^\s*(\[ *[0-9.]+\] )?(BUG:|Oops)'
# marker -> its text on the console: Xen's first line (4.20 prints no banner at loglvl=warning),
# dom0's kernel banner, then /init's markers
NAMES=(xen linux T_USERSPACE T_MODULES T_XENSTORE T_DONE)
TEXTS=("(XEN)" "Linux version" T_USERSPACE T_MODULES T_XENSTORE T_DONE)

# cgroup v1's cpu controller holds QEMU to LAB_CPU_QUOTA percent of one core, spread evenly over
# its threads (not pinned: pinning makes its two vCPUs take turns, compat/lab/README.md).
CG=
if [ -n "${LAB_CPU_QUOTA:-}" ]; then
  CG=/sys/fs/cgroup/cpu/xenlab-$$
  if mkdir -p "$CG" && echo 100000 > "$CG/cpu.cfs_period_us" && echo $((LAB_CPU_QUOTA * 1000)) > "$CG/cpu.cfs_quota_us"; then
    echo "BOOT cpu-quota=${LAB_CPU_QUOTA}% of one core (cgroup $CG)"
  else
    echo "BOOT cpu-quota-failed: no cgroup v1 cpu controller at /sys/fs/cgroup/cpu"; exit 1
  fi
fi
in_group() {   # in_group cmd... &: becomes cmd, in QEMU's cgroup if there is one (so $! is cmd's pid)
  if [ -n "$CG" ]; then exec bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; else exec "$@"; fi
}

boot_once() {
  rm -f "$LOG" "$STREAM" "$W/boot.stalled"; : > "$LOG"; : > "$STREAM"
  qemu_cmd "$LOG" "$STREAM" xen "$KERNEL" initrd.cpio.gz "$SMP" "${MEM:-2048}"
  in_group timeout -k 5 "$TIMEOUT" "${QEMU[@]}" &
  QPID=$!
  # The watchdog reads only what the two logs gained since its last look, every 2 s: a Xen
  # panic or dom0 crash ends the run at once; so does silence on both once dom0 runs
  # (a hung suite is dom0's to stop: each has a budget), or no dom0 userspace after STALL s.
  (
    b0=$(date +%s) quiet_since=$(date +%s) seen="" off=0 soff=0 cpu=0 qemu=
    while kill -0 $QPID 2>/dev/null; do
      sleep 2
      # QEMU's CPU time so far (user + system, in clock ticks), for the run's report
      [ -n "$qemu" ] || qemu=$(pgrep -f -n '^qemu-system' || true)
      [ -z "$qemu" ] || cpu=$(awk '{print $14 + $15}' /proc/$qemu/stat 2>/dev/null || echo "$cpu")
      echo "$cpu" > "$W/qemu.cpu"
      size=$(stat -c %s "$LOG") ssize=$(stat -c %s "$STREAM")
      now=$(date +%s)
      if [ "$size" -gt $off ] || [ "$ssize" -gt $soff ]; then quiet_since=$now; fi
      if [ "$size" -gt $off ]; then
        new=$(tail -c +$((off + 1)) "$LOG" | head -c $((size - off)) | tr -d '\r')
        off=$size
        for i in "${!NAMES[@]}"; do
          case " $seen " in *" ${NAMES[i]} "*) continue;; esac
          grep -aqF "${TEXTS[i]}" <<< "$new" && { seen="$seen ${NAMES[i]}"; echo "BOOT marker ${NAMES[i]}=$(el)s"; }
        done
        if l=$(grep -a -m1 -E "$BAD" <<< "$new"); then
          echo "BOOT watchdog=$(echo "$l" | cut -c1-120)"
          sleep 3; kill $QPID 2>/dev/null; break
        fi
      fi
      soff=$ssize
      case " $seen " in
        *" T_USERSPACE "*)
          if [ $((now - quiet_since)) -gt "$SILENCE" ]; then
            echo "BOOT watchdog=silence: no output on the console or the stream for ${SILENCE}s ($(tail -c 200 "$STREAM" | tr -d '\r' | tail -1 | cut -c1-100))"
            kill $QPID 2>/dev/null; break
          fi ;;
        *)
          if [ $((now - b0)) -gt "$STALL" ]; then
            echo "BOOT stalled: no dom0 userspace after ${STALL}s ($(tail -c 300 "$LOG" | tr -d '\r' | tail -1 | cut -c1-100))"
            touch "$W/boot.stalled"; kill $QPID 2>/dev/null; break
          fi ;;
      esac
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
[ -z "$CG" ] || rmdir "$CG" 2>/dev/null
echo "BOOT qemu_rc=$rc"
echo "BOOT qemu_cpu=$(awk -v t="$(cat "$W/qemu.cpu" 2>/dev/null || echo 0)" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", t/hz}')s"
echo "BOOT wall=$(el)s"

#!/usr/bin/env bash
# overhead.sh - CPU and memory of sysmon showing live data, under Xvfb.
#
# Usage: bench/overhead.sh [-w WARMUP_S] [-t WINDOW_S] [-n SAMPLES] [-a CMD] [-- SYSMON_ARGS...]
#
# Starts Xvfb and a private D-Bus session, runs ./sysmon (the Performance view
# is the default tab, 1 Hz), waits WARMUP_S, then measures over WINDOW_S:
#   cpu%  = (utime+stime of sysmon) / wall time, as % of one core
#   xvfb% = the same for the X server, which does part of any GUI's drawing
#   rss   = VmRSS at the start and end of the window, and every WINDOW_S/SAMPLES s,
#           to show whether memory keeps growing.
# -a CMD runs CMD (with DISPLAY set) 3 s after sysmon starts, e.g. to open a tab:
#   bench/overhead.sh -a 'xdotool mousemove 160 100 click 1'   (the Processes tab)
set -euo pipefail
WARMUP=10 WINDOW=60 SAMPLES=6 ACTION=""
while getopts w:t:n:a: o; do case $o in w) WARMUP=$OPTARG;; t) WINDOW=$OPTARG;; n) SAMPLES=$OPTARG;; a) ACTION=$OPTARG;; *) exit 2;; esac; done
shift $((OPTIND-1)); [ "${1:-}" = "--" ] && shift
cd "$(dirname "$0")/.."
[ -x ./sysmon ] || { echo "build first: make build" >&2; exit 1; }

DISP=:${DISPLAY_NUM:-77}
run=$(mktemp -d); chmod 700 "$run"
Xvfb "$DISP" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xpid=$!
trap 'kill $spid $xpid 2>/dev/null; [ -n "${bus:-}" ] && kill $bus 2>/dev/null; rm -rf "$run"' EXIT
for _ in $(seq 50); do xdpyinfo -display "$DISP" >/dev/null 2>&1 && break; sleep 0.1; done
eval "$(dbus-launch --sh-syntax)"; bus=$DBUS_SESSION_BUS_PID
DISPLAY=$DISP XDG_RUNTIME_DIR=$run LANG=C.UTF-8 ./sysmon "$@" >"$run/log" 2>&1 & spid=$!

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
if [ -n "$ACTION" ]; then sleep 3; DISPLAY=$DISP bash -c "$ACTION"; fi
sleep "$WARMUP"
s0=$(ticks $spid); x0=$(ticks $xpid); t0=$(date +%s.%N); r0=$(rss $spid)
rsslog="$r0"
for _ in $(seq "$SAMPLES"); do sleep "$(awk -v a=$WINDOW -v b=$SAMPLES 'BEGIN{print a/b}')"; rsslog="$rsslog $(rss $spid)"; done
s1=$(ticks $spid); x1=$(ticks $xpid); t1=$(date +%s.%N); r1=$(rss $spid)
awk -v s=$((s1-s0)) -v x=$((x1-x0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v r0="$r0" -v r1="$r1" -v log_="$rsslog" 'BEGIN{
  dt=t1-t0; printf "sysmon cpu %.2f %% of one core, Xvfb %.2f %%, rss %s -> %s MiB over %.0f s (rss samples: %s)\n",
  100*s/hz/dt, 100*x/hz/dt, r0, r1, dt, log_ }'

#!/usr/bin/env bash
# bench/one.sh - one case against one collector jar, for quick before/after runs and for profiling (see
# bench/README.md). Needs the load generator bench/run.sh builds ($LAB/bin/loadgen).
# Usage: bench/one.sh JAR tcp|udp|lat K RATE N [collector JVM options...]
#   e.g. bench/one.sh bench/target/umonitor-bench.jar tcp 16 0 1000000 -XX:StartFlightRecording=filename=/tmp/k16.jfr
# Prints the load generator's line and the collector's CPU per thread (ticks, user/sys) over the timed run.
set -u -o pipefail
[ $# -ge 5 ] || { sed -n 2,7p "$0" >&2; exit 2; }
JAR=$1 MODE=$2 K=$3 RATE=$4 N=$5; shift 5
LAB=${LAB:-/tmp/umonitor-bench}; GEN=$LAB/bin/loadgen; OUT=$LAB/one-out
[ -x "$GEN" ] || { echo "no $GEN: run bench/run.sh once (N=1000 REPS=1 EXTRAS=0 is enough)" >&2; exit 1; }
free_port() { local p; while :; do p=$((20000 + RANDOM % 20000)); ss -Hltun "sport = :$p" | grep -q . || { echo "$p"; return; }; done; }
threads() {   # name|utime stime; the fields are counted after the ')' closing the name, which may hold spaces
    for t in /proc/$1/task/*; do echo "$(cat "$t/comm" 2>/dev/null)|$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12, $13}')"; done
}
rm -rf "$OUT"; mkdir -p "$OUT"; TCP=$(free_port); UDP=$(free_port)
java -Xms256m -Xmx1g -XX:+UseParallelGC -XX:MaxTenuringThreshold=2 "$@" -cp "$JAR" io.umonitor.bench.BenchCollector \
    "$OUT" "$TCP" "$UDP" src >"$LAB/one.stdout" 2>"$LAB/one.stderr" &
P=$!; trap 'kill -TERM $P 2>/dev/null' EXIT
for i in $(seq 200); do ss -Hltn "sport = :$TCP" | grep -q . && break; sleep 0.05; done
for half in warm warmb; do   # two sets of names, as in run.sh's warm-up (see there)
    "$GEN" -f umon -m tcp -p "$TCP" -k "${WK:-4}" -n $((${WN:-200000} / 2)) -S "$half" -w "$OUT" -q 5 -s 0.2 >/dev/null
done
threads $P >"$LAB/one.t0"
if [ "$MODE" = lat ]; then
    "$GEN" -f umon -m lat -p "$TCP" -k 1 -n 300000 -r 100000 -B 10 -P 100 -w "$OUT" -q 3
else
    "$GEN" -f umon -m "$MODE" -p "$([ "$MODE" = udp ] && echo "$UDP" || echo "$TCP")" -k "$K" -n "$N" -w "$OUT" \
        -q "$([ "$MODE" = udp ] && echo 3 || echo 15)" -T 100 -r "$RATE"
fi
threads $P >"$LAB/one.t1"
awk -F'|' 'NR==FNR { split($2, a, " "); u[$1] -= a[1]; s[$1] -= a[2]; next }
           { split($2, a, " "); u[$1] += a[1]; s[$1] += a[2] }
           END { printf "collector CPU per thread (ticks user/sys):"; for (t in u) if (u[t] + s[t] > 0) printf " %s=%d/%d", t, u[t], s[t]; print "" }' \
    "$LAB/one.t0" "$LAB/one.t1"
kill -TERM $P; wait $P; trap - EXIT
grep '^umon_senders=' "$LAB/one.stdout"

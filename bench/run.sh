#!/usr/bin/env bash
# bench/run.sh - umonitor's collector and rsyslog side by side on the same loopback workload.
# See bench/README.md. Knobs (environment): N (records per run, 1000000), REPS (3), KS ("1 16 256"),
# UDP_K (16), UDP_RATES ("100000 200000"), WARMUP (300000 records before each timed run),
# EXTRAS (1: also latency, 1,000 senders, launch overhead, C client cost), LAB (/tmp/umonitor-bench),
# JAVA_OPTS (collector JVM options), GEN_TIMEOUT (s, 120), SYSLOG_CASES ("tcp:16:0 udp:16:100000": umonitor's
# syslog receiver on rsyslog's own RFC 5424 workload; "" skips those rows), FORWARD_K (16: umonitor
# collecting K TCP senders and forwarding every record to rsyslog over TCP; "" skips it), OTLP_K (16: the same
# with every record exported over OTLP/HTTP to a local counting receiver; "" skips it), BASE_JAR (a
# bench jar of an earlier build: its collector runs every binary-protocol case and the latency row too, in
# turn with the others, and the table gets a "before" line under each; for before/after of a change).
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LAB=${LAB:-/tmp/umonitor-bench}
N=${N:-1000000}
REPS=${REPS:-3}
KS=${KS:-"1 16 256"}
UDP_K=${UDP_K:-16}
UDP_RATES=${UDP_RATES:-"100000 200000"}
SYSLOG_CASES=${SYSLOG_CASES-"tcp:16:0 udp:16:100000"}
FORWARD_K=${FORWARD_K-16}   # syslog forwarding row: umonitor collects K TCP senders and forwards to rsyslog ("" skips)
OTLP_K=${OTLP_K-16}         # OTLP row: umonitor collects K TCP senders and exports every record over OTLP/HTTP ("" skips)
WARMUP=${WARMUP:-300000}
EXTRAS=${EXTRAS:-1}
GEN_TIMEOUT=${GEN_TIMEOUT:-120}
BASE_JAR=${BASE_JAR:-}
JAVA_OPTS=${JAVA_OPTS:-"-Xms256m -Xmx1g -XX:+UseParallelGC -XX:MaxTenuringThreshold=2 -Dbench.memoryBudget=33554432"}
CLK_TCK=$(getconf CLK_TCK)
RES=$LAB/results/$(date +%Y%m%dT%H%M%S)
RAW=$RES/raw.txt
OUT=$LAB/out
STARTED=()

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1; [ -n "$st" ] && [ "$st" != Z ]; }

stop_pid() {   # TERM, then KILL after 30 s; only pids this script started
    local p=$1 i keep=() q
    [ -z "$p" ] && return 0
    if alive "$p"; then
        kill -TERM "$p" 2>/dev/null
        for i in $(seq 300); do alive "$p" || break; sleep 0.1; done
        alive "$p" && { log "pid $p ignored TERM for 30 s: KILL"; kill -KILL "$p" 2>/dev/null; }
    fi
    wait "$p" 2>/dev/null
    for q in "${STARTED[@]}"; do [ "$q" != "$p" ] && keep+=("$q"); done
    STARTED=("${keep[@]}")
}
cleanup() { local p; for p in "${STARTED[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- setup
mkdir -p "$RES" "$OUT" "$LAB/bin" "$LAB/work"
if ! command -v rsyslogd >/dev/null; then
    log "rsyslog is missing: installing the Debian package (apt-get install rsyslog); it is only ever run by this script"
    apt-get update -q >/dev/null && apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends rsyslog \
        >"$LAB/apt.log" 2>&1 || { log "apt-get install rsyslog failed, see $LAB/apt.log"; exit 1; }
fi
for t in gcc java mvn ss; do command -v $t >/dev/null || { log "$t is required"; exit 1; }; done
C=$ROOT/umonitor-log-protocol/clients/c
gcc -O2 -Wall -pthread -I"$C" -o "$LAB/bin/loadgen" "$HERE/c/loadgen.c" "$C/umonitor_log.c" || exit 1
gcc -O2 -Wall -pthread -I"$C" -o "$LAB/bin/clientcost" "$HERE/c/clientcost.c" "$C/umonitor_log.c" || exit 1
JAR=$HERE/target/umonitor-bench.jar
log "building the collector under test (mvn -Pbench -pl bench -am package -DskipTests)"
(cd "$ROOT" && mvn -B -q -Pbench -pl bench -am package -DskipTests) || { log "maven build failed"; exit 1; }

free_port() {   # a port free for both TCP and UDP on loopback
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        ss -Hltn "sport = :$p" | grep -q . || ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return; }
    done
}

# ---------------------------------------------------------------- daemons
start_daemon() {   # $1 umonitor|rsyslog; sets DPID, TCP, UDP
    local d=$1 i
    TCP=$(free_port); UDP=$(free_port); while [ "$UDP" = "$TCP" ]; do UDP=$(free_port); done
    rm -rf "$OUT"; mkdir -p "$OUT"
    case $d in
    umonitor)
        java $JAVA_OPTS -cp "$JAR" io.umonitor.bench.BenchCollector "$OUT" "$TCP" "$UDP" src \
            >"$RES/umonitor.stdout" 2>>"$RES/umonitor.stderr" &
        DPID=$! ;;
    umonbase)   # an earlier build of the same collector (BASE_JAR), for before/after
        java $JAVA_OPTS -cp "$BASE_JAR" io.umonitor.bench.BenchCollector "$OUT" "$TCP" "$UDP" src \
            >"$RES/umonitor.stdout" 2>>"$RES/umonitor.stderr" &
        DPID=$! ;;
    umonsyslog)   # the same collector, receiving syslog instead of umonitor's protocol
        java $JAVA_OPTS -cp "$JAR" io.umonitor.bench.BenchCollector "$OUT" "$TCP" "$UDP" src syslog \
            >"$RES/umonitor.stdout" 2>>"$RES/umonitor.stderr" &
        DPID=$! ;;
    rsyslog)
        rm -rf "$LAB/work/rsyslog"; mkdir -p "$LAB/work/rsyslog"
        sed -e "s#@OUT@#$OUT#g" -e "s#@WORK@#$LAB/work/rsyslog#g" -e "s#@TCP@#$TCP#g" -e "s#@UDP@#$UDP#g" \
            "$HERE/conf/rsyslog.conf" >"$LAB/work/rsyslog.conf"
        rsyslogd -n -f "$LAB/work/rsyslog.conf" -i "$LAB/work/rsyslog.pid" >>"$RES/rsyslog.stdout" 2>&1 &
        DPID=$! ;;
    esac
    STARTED+=("$DPID")
    for i in $(seq 200); do
        alive "$DPID" || { log "$d exited during startup"; return 1; }
        ss -Hltn "sport = :$TCP" | grep -q . && ss -Hlun "sport = :$UDP" | grep -q . && return 0
        sleep 0.05
    done
    log "$d did not listen within 10 s"; stop_pid "$DPID"; return 1
}

fmt_of() { case $1 in umonitor|umonbase) echo umon ;; *) echo syslog ;; esac; }   # umonsyslog and rsyslog: RFC 5424
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
sys_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

warm() {   # daemon [tcp|udp RATE K]: the same warm-up for both daemons: long-running collectors are measured warm
    [ "$WARMUP" -gt 0 ] || return 0
    # A TCP case warms up with its own number of connections (4 otherwise): warmed on another shape, the JVM
    # throws away and recompiles its hot code during the timed run (seen as deoptimizations with
    # -XX:+PrintCompilation), a cost a long-running collector pays once.
    # In two halves with other sender names: the second half's senders join a collector whose code is already
    # compiled, as senders do in a collector that has run for a while. Warmed by one set of names only, the
    # JVM met its first new sender (a map miss, a new file, a new sequence session) in the timed run, threw
    # away its compiled decoding and sink code (JFR jdk.Deoptimization: unstable_if, null_check) and
    # recompiled it there: 0.15-0.3 s of C2 time in a 1M-record run, a cost paid once per monitor.
    local wk=4 half; [ "${2:-}" = tcp ] && [ "${4:-0}" -gt 4 ] && wk=$4
    for half in warm warmb; do
        timeout -k 5 "$GEN_TIMEOUT" "$LAB/bin/loadgen" -f "$(fmt_of "$1")" -m tcp -p "$TCP" -k "$wk" -n $((WARMUP / 2)) \
            -S "$half" -w "$OUT" -q 5 -s 0.2 >/dev/null 2>>"$RES/gen.stderr" || log "warm-up of $1 failed"
    done
    # A UDP case also warms the UDP path (a third of the warm-up, at the case's rate): otherwise the JVM
    # compiles its receive path during the timed run, which neither a long-running collector nor rsyslog pays.
    [ "${2:-}" = udp ] || return 0
    timeout -k 5 "$GEN_TIMEOUT" "$LAB/bin/loadgen" -f "$(fmt_of "$1")" -m udp -p "$UDP" -k "$UDP_K" -n $((WARMUP / 3)) \
        -r "$3" -S wudp -w "$OUT" -q 2 -s 0.2 >/dev/null 2>>"$RES/gen.stderr" || log "UDP warm-up of $1 failed"
}

run_one() {   # daemon mode k rep [rate]
    local d=$1 mode=$2 k=$3 rep=$4 rate=${5:-0} q line c0 c1 s0 s1 w0 w1 hwm stats=""
    # Once more on other ports: a port found free can be taken by another tenant before the daemon binds it.
    start_daemon "$d" || start_daemon "$d" || return 1
    local pid=$DPID
    warm "$d" "$mode" "$rate" "$k"
    if [ "$mode" = udp ]; then q=3; else q=15; fi
    c0=$(cpu_ticks "$pid"); s0=$(sys_busy); w0=$(date +%s.%N)
    line=$(timeout -k 5 "$GEN_TIMEOUT" "$LAB/bin/loadgen" -f "$(fmt_of "$d")" -m "$mode" -p "$([ "$mode" = udp ] && echo "$UDP" || echo "$TCP")" \
        -k "$k" -n "$N" -w "$OUT" -q "$q" -T $((GEN_TIMEOUT - 10)) -r "$rate" 2>>"$RES/gen.stderr") \
        || log "loadgen failed ($d $mode k=$k rep=$rep)"
    c1=$(cpu_ticks "$pid"); s1=$(sys_busy); w1=$(date +%s.%N)
    hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null)
    alive "$pid" || log "warning: $d died during the run"
    stop_pid "$pid"
    [ "$d" != rsyslog ] && stats=$(grep '^umon_senders=' "$RES/umonitor.stdout" | tail -1)
    local dcpu foreign
    dcpu=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f",(b-a)/t}')
    foreign=$(awk -v a="$s0" -v b="$s1" -v w0="$w0" -v w1="$w1" -v t="$CLK_TCK" -v dc="$dcpu" -v gc="$(kv gen_cpu_s "$line")" \
        'BEGIN{printf "%.2f", ((b-a)/t - dc - gc)/(w1-w0)}')
    echo "daemon=$d case=$mode k=$k rate=$rate rep=$rep $line daemon_cpu_s=$dcpu daemon_hwm_kb=${hwm:-0} foreign_cores=$foreign $stats" \
        | tee -a "$RAW" >&2
}

median() { sort -g | awk '{a[NR]=$1} END{ if(NR==0){print "nan"; exit} if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
col() {   # daemon case k rate field -> median over reps (field may be an awk expression over kv names)
    local sel; sel=$(grep "^daemon=$1 case=$2 k=$3 rate=$4 " "$RAW")
    [ -z "$sel" ] && { echo nan; return; }
    while read -r l; do
        case $5 in
            usrec) awk -v c="$(kv daemon_cpu_s "$l")" -v r="$(kv received "$l")" 'BEGIN{printf "%.3f\n", (r>0?1e6*c/r:0)}' ;;
            rssmb) awk -v h="$(kv daemon_hwm_kb "$l")" 'BEGIN{printf "%.0f\n", h/1024}' ;;
            loss) awk -v r="$(kv received "$l")" -v s="$(kv n "$l")" 'BEGIN{printf "%.4f\n", (s>0?100*(s-r)/s:0)}' ;;
            missing) awk -v r="$(kv received "$l")" -v s="$(kv n "$l")" 'BEGIN{print s-r}' ;;
            accounted) awk -v a="$(kv umon_lost "$l")" -v b="$(kv umon_dropped "$l")" 'BEGIN{print a+b}' ;;
            *) kv "$5" "$l" ;;
        esac
    done <<<"$sel" | median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0) print "-"; else printf "%.2f", a/b }'; }

# ---------------------------------------------------------------- ingest cases
CASES=""
for k in $KS; do CASES="$CASES tcp:$k:0"; done
for r in $UDP_RATES; do CASES="$CASES udp:$UDP_K:$r"; done
for rep in $(seq "$REPS"); do
    for c in $CASES; do
        IFS=: read -r mode k r <<<"$c"
        for d in umonitor ${BASE_JAR:+umonbase} rsyslog; do log "$d $mode k=$k rate=$r rep=$rep"; run_one "$d" "$mode" "$k" "$rep" "$r"; done
    done
done
for rep in $(seq "$REPS"); do   # syslog ingest: rsyslog's rows for the same case are its syslog figures
    for c in $SYSLOG_CASES; do
        IFS=: read -r mode k r <<<"$c"
        case " $CASES " in *" $c "*) ;; *) log "rsyslog $mode k=$k rate=$r rep=$rep"; run_one rsyslog "$mode" "$k" "$rep" "$r" ;; esac
        log "umonsyslog $mode k=$k rate=$r rep=$rep"; run_one umonsyslog "$mode" "$k" "$rep" "$r"
    done
done

# ---------------------------------------------------------------- exporter rows (syslog forwarding, OTLP)
export_run() {   # name k exporter target receiver_pid avoid_port files rep: umonitor collects K binary TCP senders
    # with its file sink (into FILES) and exports every record through EXPORTER to TARGET, where a receiver (pid
    # RECEIVER_PID, on port AVOID_PORT) writes what arrived into $OUT, one file per source, which the watcher
    # counts: a record counts once it went through umonitor and reached the receiver. One raw line daemon=NAME.
    local name=$1 k=$2 exporter=$3 target=$4 receiver=$5 avoid=$6 files=$7 rep=$8 c0 c1 line hwm i
    TCP=$(free_port); UDP=$(free_port)
    while [ "$UDP" = "$TCP" ] || [ "$TCP" = "$avoid" ]; do TCP=$(free_port); done
    rm -rf "$files"; mkdir -p "$files"
    java $JAVA_OPTS -cp "$JAR" io.umonitor.bench.BenchCollector "$files" "$TCP" "$UDP" src "$exporter" "$target" \
        >"$RES/umonitor.stdout" 2>>"$RES/umonitor.stderr" &
    DPID=$!; STARTED+=("$DPID")
    for i in $(seq 200); do ss -Hltn "sport = :$TCP" | grep -q . && break; sleep 0.05; done
    warm umonitor   # through umonitor and the exporter into the receiver's files (warm*.log)
    c0=$(cpu_ticks "$DPID")
    line=$(timeout -k 5 "$GEN_TIMEOUT" "$LAB/bin/loadgen" -f umon -m tcp -p "$TCP" -k "$k" -n "$N" -w "$OUT" \
        -q 15 -T $((GEN_TIMEOUT - 10)) 2>>"$RES/gen.stderr") || log "loadgen failed ($name rep=$rep)"
    c1=$(cpu_ticks "$DPID"); hwm=$(awk '/VmHWM/{print $2}' "/proc/$DPID/status" 2>/dev/null)
    stop_pid "$DPID"; stop_pid "$receiver"
    echo "daemon=$name case=tcp k=$k rate=0 rep=$rep $line daemon_cpu_s=$(awk -v a="$c0" -v b="$c1" \
        -v t="$CLK_TCK" 'BEGIN{printf "%.2f",(b-a)/t}') daemon_hwm_kb=${hwm:-0} $(grep '^umon_senders=' "$RES/umonitor.stdout" | tail -1)" \
        | tee -a "$RAW" >&2
}
forward_one() {   # rep: into a running rsyslog, whose files are the receiver's
    start_daemon rsyslog || return 1
    export_run umonfwd "$FORWARD_K" forward "127.0.0.1:$TCP" "$DPID" "$TCP" "$LAB/fwdfiles" "$1"
}
otlp_one() {   # rep: over OTLP/HTTP to a receiver that decodes each request and writes a line per record
    local op rcp i
    op=$(free_port); rm -rf "$OUT"; mkdir -p "$OUT"
    java -Xmx512m -XX:+UseParallelGC -cp "$JAR" io.umonitor.bench.OtlpCountingReceiver "$op" "$OUT" \
        >"$RES/otlp-receiver.stdout" 2>>"$RES/otlp-receiver.stderr" &
    rcp=$!; STARTED+=("$rcp")
    for i in $(seq 200); do ss -Hltn "sport = :$op" | grep -q . && break; sleep 0.05; done
    export_run umonotlp "$OTLP_K" otlp "http://127.0.0.1:$op" "$rcp" "$op" "$LAB/otlpfiles" "$1"
}
if [ -n "$FORWARD_K" ]; then
    for rep in $(seq "$REPS"); do log "umonitor forwarding to rsyslog, tcp k=$FORWARD_K rep=$rep"; forward_one "$rep"; done
fi
if [ -n "$OTLP_K" ]; then
    for rep in $(seq "$REPS"); do log "umonitor exporting over OTLP/HTTP, tcp k=$OTLP_K rep=$rep"; otlp_one "$rep"; done
fi

# ---------------------------------------------------------------- extras
if [ "$EXTRAS" = 1 ]; then
    for rep in $(seq "$REPS"); do
        for d in umonitor ${BASE_JAR:+umonbase} rsyslog; do   # latency at 100k records/s, TCP, one connection
            start_daemon "$d" || continue
            warm "$d"
            l=$(timeout -k 5 "$GEN_TIMEOUT" "$LAB/bin/loadgen" -f "$(fmt_of "$d")" -m lat -p "$TCP" -k 1 -n 300000 \
                -r 100000 -B 10 -P 100 -w "$OUT" -q 3 2>>"$RES/gen.stderr")
            stop_pid "$DPID"
            echo "latency daemon=$d rep=$rep $l" | tee -a "$RAW" >&2
        done
        for d in umonitor ${BASE_JAR:+umonbase}; do
            start_daemon "$d" || continue   # 1,000 senders connected at once
            warm "$d"
            c0=$(cpu_ticks "$DPID")
            l=$(timeout -k 5 "$GEN_TIMEOUT" "$LAB/bin/loadgen" -f umon -m tcp -p "$TCP" -k 1000 -n "$N" -w "$OUT" -q 15 \
                2>>"$RES/gen.stderr")
            c1=$(cpu_ticks "$DPID"); hwm=$(awk '/VmHWM/{print $2}' "/proc/$DPID/status")
            stop_pid "$DPID"
            echo "senders1000 daemon=$d rep=$rep $l daemon_cpu_s=$(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f",(b-a)/t}') daemon_hwm_kb=$hwm $(grep '^umon_senders=' "$RES/umonitor.stdout" | tail -1)" \
                | tee -a "$RAW" >&2
        done
    done
    log "launch overhead (process backend vs ProcessBuilder, /bin/true)"
    java $JAVA_OPTS -cp "$JAR" io.umonitor.bench.LaunchOverhead 40 | tee -a "$RAW" >&2
    log "C client cost per call"
    "$LAB/bin/clientcost" 2000000 | tee -a "$RAW" >&2
fi

# ---------------------------------------------------------------- table
{
echo
echo "umonitor vs rsyslog $(rsyslogd -v | head -1 | awk '{print $2}'): N=$N records/run (~104 B on the wire each), median of $REPS runs, warm-up $WARMUP records"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); collector JVM: $JAVA_OPTS"
printf "%-14s | %10s %10s %5s | %6s %6s | %7s %7s %5s | %6s %6s | %8s %8s | %s\n" case "umon rec/s" "rsys rec/s" ratio \
    "u MB/s" "r MB/s" "u us/rec" "r us/rec" ratio "u RSS" "r RSS" "u loss%" "r loss%" "umon lost: accounted/actual"
for c in $CASES; do
    IFS=: read -r mode k r <<<"$c"
    label="$mode K=$k"; [ "$mode" = udp ] && label="udp @$((r / 1000))k/s"
    ur=$(col umonitor "$mode" "$k" "$r" e2e_rate); rr=$(col rsyslog "$mode" "$k" "$r" e2e_rate)
    uc=$(col umonitor "$mode" "$k" "$r" usrec); rc=$(col rsyslog "$mode" "$k" "$r" usrec)
    acc="$(col umonitor "$mode" "$k" "$r" accounted)/$(col umonitor "$mode" "$k" "$r" missing)"
    printf "%-14s | %10.0f %10.0f %5s | %6.1f %6.1f | %7.3f %7.3f %5s | %5sM %5sM | %8s %8s | %s\n" "$label" "$ur" "$rr" \
        "$(ratio "$ur" "$rr")" "$(col umonitor "$mode" "$k" "$r" e2e_MBps)" "$(col rsyslog "$mode" "$k" "$r" e2e_MBps)" \
        "$uc" "$rc" "$(ratio "$uc" "$rc")" "$(col umonitor "$mode" "$k" "$r" rssmb)" "$(col rsyslog "$mode" "$k" "$r" rssmb)" \
        "$(col umonitor "$mode" "$k" "$r" loss)" "$(col rsyslog "$mode" "$k" "$r" loss)" "$acc"
    if [ -n "$BASE_JAR" ]; then   # the earlier build, same case, same rsyslog runs
        br=$(col umonbase "$mode" "$k" "$r" e2e_rate); bc=$(col umonbase "$mode" "$k" "$r" usrec)
        printf "%-14s | %10.0f %10s %5s | %6.1f %6s | %7.3f %7s %5s | %5sM %6s | %8s %8s | %s\n" "  before" "$br" "" \
            "$(ratio "$br" "$rr")" "$(col umonbase "$mode" "$k" "$r" e2e_MBps)" "" "$bc" "" "$(ratio "$bc" "$rc")" \
            "$(col umonbase "$mode" "$k" "$r" rssmb)" "" "$(col umonbase "$mode" "$k" "$r" loss)" "" \
            "$(col umonbase "$mode" "$k" "$r" accounted)/$(col umonbase "$mode" "$k" "$r" missing)"
    fi
done
for c in $SYSLOG_CASES; do   # the same RFC 5424 load into umonitor's syslog receiver and into rsyslog
    IFS=: read -r mode k r <<<"$c"
    label="syslog $mode K=$k"; [ "$mode" = udp ] && label="syslog udp @$((r / 1000))k"
    ur=$(col umonsyslog "$mode" "$k" "$r" e2e_rate); rr=$(col rsyslog "$mode" "$k" "$r" e2e_rate)
    uc=$(col umonsyslog "$mode" "$k" "$r" usrec); rc=$(col rsyslog "$mode" "$k" "$r" usrec)
    acc="$(col umonsyslog "$mode" "$k" "$r" accounted)/$(col umonsyslog "$mode" "$k" "$r" missing)"
    printf "%-14s | %10.0f %10.0f %5s | %6.1f %6.1f | %7.3f %7.3f %5s | %5sM %5sM | %8s %8s | %s\n" "$label" "$ur" "$rr" \
        "$(ratio "$ur" "$rr")" "$(col umonsyslog "$mode" "$k" "$r" e2e_MBps)" "$(col rsyslog "$mode" "$k" "$r" e2e_MBps)" \
        "$uc" "$rc" "$(ratio "$uc" "$rc")" "$(col umonsyslog "$mode" "$k" "$r" rssmb)" "$(col rsyslog "$mode" "$k" "$r" rssmb)" \
        "$(col umonsyslog "$mode" "$k" "$r" loss)" "$(col rsyslog "$mode" "$k" "$r" loss)" "$acc"
done
if [ -n "$FORWARD_K" ]; then   # umonitor's file sink plus the syslog forwarding sink, into a real rsyslog
    printf "%-14s | %10.0f %10s %5s | %6.1f %6s | %7.3f %7s %5s | %5sM %6s | %8s %8s | %s\n" "fwd tcp K=$FORWARD_K" \
        "$(col umonfwd tcp "$FORWARD_K" 0 e2e_rate)" "-" "-" "$(col umonfwd tcp "$FORWARD_K" 0 e2e_MBps)" "-" \
        "$(col umonfwd tcp "$FORWARD_K" 0 usrec)" "-" "-" "$(col umonfwd tcp "$FORWARD_K" 0 rssmb)" "-" \
        "$(col umonfwd tcp "$FORWARD_K" 0 loss)" "-" "$(col umonfwd tcp "$FORWARD_K" 0 accounted)/$(col umonfwd tcp "$FORWARD_K" 0 missing)"
    echo "(fwd: umonitor collecting binary-protocol TCP senders with its file sink and forwarding every record to rsyslog;"
    echo " rec/s until the last record is in rsyslog's files; us/rec: umonitor's CPU only; compare with its 'tcp K=$FORWARD_K' row)"
fi
if [ -n "$OTLP_K" ]; then   # umonitor's file sink plus OtlpLogSink, into a local OTLP/HTTP receiver
    printf "%-14s | %10.0f %10s %5s | %6.1f %6s | %7.3f %7s %5s | %5sM %6s | %8s %8s | %s\n" "otlp tcp K=$OTLP_K" \
        "$(col umonotlp tcp "$OTLP_K" 0 e2e_rate)" "-" "-" "$(col umonotlp tcp "$OTLP_K" 0 e2e_MBps)" "-" \
        "$(col umonotlp tcp "$OTLP_K" 0 usrec)" "-" "-" "$(col umonotlp tcp "$OTLP_K" 0 rssmb)" "-" \
        "$(col umonotlp tcp "$OTLP_K" 0 loss)" "-" "$(col umonotlp tcp "$OTLP_K" 0 accounted)/$(col umonotlp tcp "$OTLP_K" 0 missing)"
    echo "(otlp: the same, exporting every record over OTLP/HTTP (OtlpLogSink, default batches) to a local receiver that"
    echo " decodes each request; rec/s until the last record reached the receiver; us/rec: umonitor's CPU only)"
fi
echo "other tenants' CPU during the runs (not ours, out of $(nproc) cores): median $(grep -o 'foreign_cores=[^ ]*' "$RAW" | cut -d= -f2 | median), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(rec/s: first send until the last record is in the files; us/rec: collector process CPU / records written;"
echo " RSS: peak (VmHWM); umon lost accounted = lost (sequence gaps, GOODBYE) + dropped, from the monitor's counters)"
if [ "$EXTRAS" = 1 ]; then
    for d in umonitor ${BASE_JAR:+umonbase} rsyslog; do
        sel=$(grep "^latency daemon=$d " "$RAW")
        [ -z "$sel" ] && continue
        m() { while read -r l; do kv "$1" "$l"; done <<<"$sel" | median; }
        printf "latency %-8s TCP 1 conn @100k rec/s (300k records): p50 %s us, p99 %s us, p99.9 %s us, max %s us (seen %s)\n" \
            "$d" "$(m lat_p50_us)" "$(m lat_p99_us)" "$(m lat_p999_us)" "$(m lat_max_us)" "$(m lat_n)"
    done
    for d in umonitor ${BASE_JAR:+umonbase}; do
        sel=$(grep "^senders1000 daemon=$d " "$RAW")
        [ -z "$sel" ] && continue
        m() { while read -r l; do kv "$1" "$l"; done <<<"$sel" | median; }
        printf "1,000 senders at once (%s, N=%s): %s rec/s, complete %s, CPU %s s, peak RSS %s MB, peak heap %s MB\n" "$d" "$N" \
            "$(m e2e_rate)" "$(m complete)" "$(m daemon_cpu_s)" "$(awk -v h="$(m daemon_hwm_kb)" 'BEGIN{printf "%.0f", h/1024}')" "$(m heap_peak_mb)"
    done
    grep '^launch ' "$RAW" | tail -1
    grep '^clientcost ' "$RAW" | tail -1
fi
} | tee "$RES/table.txt"
log "raw results: $RAW"

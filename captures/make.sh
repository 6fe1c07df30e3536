#!/usr/bin/env bash
# Makes the captures under captures/ again (the edge-case captures under captures/edge/ come from the SIPPcap
# tests: SIPFLOW_WRITE_CAPTURES=1 swift test --filter EdgeCaptures). Needs sipp, tshark and a sipflow build;
# captures on the loopback interface, so run it as root (or with tshark's capture capability).
#   sipp-uac-uas-udp.pcapng  SIPp's built-in uac calling its uas over UDP, 10 calls, as tshark captures on lo
#   sipp-uac-uas-tcp.pcapng  the same over TCP: segments holding several messages
#   sipflow-basic-call.pcap  'sipflow run basic-call --pcap' against 'sipflow serve basic-call', 5 calls
set -euo pipefail
cd "$(dirname "$0")"
sipflow="${SIPFLOW_BIN:-../.build/debug/sipflow}"

capture() {  # capture FILE FILTER TRANSPORT PORT
    sipp -sn uas -t "$3" -i 127.0.0.1 -p "$4" -bg >/dev/null
    sleep 0.5
    tshark -i lo -w "$1" -f "$2" -q >/dev/null 2>&1 &
    local tshark=$!
    sleep 2
    sipp -sn uac -t "$3" "127.0.0.1:$4" -m 10 -r 20 -i 127.0.0.1 -p $(($4 + 1)) -d 200 -nostdin >/dev/null
    sleep 1
    kill "$tshark"
    pkill -f "sipp -sn uas -t $3 -i 127.0.0.1 -p $4" || true
    wait "$tshark" || true
}
capture sipp-uac-uas-udp.pcapng "udp port 15060" u1 15060
capture sipp-uac-uas-tcp.pcapng "tcp port 15062" t1 15062

"$sipflow" serve basic-call --listen 127.0.0.1:15090 --plain >/dev/null &
serve=$!
sleep 1
"$sipflow" run basic-call --target 127.0.0.1:15090 --calls 5 --rate 10 --plain --pcap sipflow-basic-call.pcap >/dev/null
kill -INT "$serve"
wait "$serve" || true
chmod 644 ./*.pcap ./*.pcapng

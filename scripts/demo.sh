#!/usr/bin/env bash
# The runhook demo, end to end on this machine:
#   1. builds runhook (installing Debian packages first if needed),
#   2. starts `runhook server` on the embedded SQLite store and `runhook listen` (a webhook
#      receiver), each on a free port,
#   3. runs `seed-train`, the seed's training script in C++, whose `finished` hook targets the
#      listener,
#   4. shows what the listener received and the run's URL, then stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
echo "== building (first time: a few minutes)"
NINJA_FLAGS="${NINJA_FLAGS:-} runhook seed-train" scripts/build.sh >/tmp/runhook-demo-build.log 2>&1 ||
  { tail -40 /tmp/runhook-demo-build.log; exit 1; }
BIN=build/bin

WORK=$(mktemp -d -t runhook-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Waits (up to 10 s) until FILE contains a line matching PATTERN; prints that line.
wait_for_line() {
  local file=$1 pattern=$2 deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "demo: timed out waiting for '$pattern' in $file" >&2
  cat "$file" >&2
  return 1
}

"$BIN/runhook" server --host 127.0.0.1 --port 0 --data "$WORK/data" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
SERVER_URL=$(wait_for_line "$WORK/server.log" 'listening on http://' |
  grep -oE 'http://127\.0\.0\.1:[0-9]+' | head -1)

"$BIN/runhook" listen --host 127.0.0.1 --port 0 --jsonl "$WORK/received.jsonl" \
  >"$WORK/listener.log" 2>&1 &
PIDS+=($!)
LISTEN_URL=$(wait_for_line "$WORK/listener.log" 'listening on http://' |
  grep -oE 'http://127\.0\.0\.1:[0-9]+' | head -1)

echo "== server   $SERVER_URL   (store: $WORK/data/runhook.db)"
echo "== listener $LISTEN_URL"
echo "== running seed-train (the seed's script in C++)"
RUNHOOK_URL="$SERVER_URL" "$BIN/seed-train" --hook-url "$LISTEN_URL/my-webhook-receiver"

echo
echo "== the listener received:"
wait_for_line "$WORK/received.jsonl" '"method"' >/dev/null
/usr/bin/python3 - "$WORK/received.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    request = json.loads(line)
    print(f"{request['method']} {request['path']}")
    for name, value in sorted(request["headers"].items()):
        if name.lower() in ("content-type", "user-agent", "webhook-id"):
            print(f"  {name}: {value}")
    try:
        print(json.dumps(json.loads(request["body"]), indent=2))
    except ValueError:
        print(request["body"])
PY
RUN_URL=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(json.loads(open(sys.argv[1]).readline())["body"])["run_url"])' "$WORK/received.jsonl")
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "$RUN_URL")
echo
echo "== run page: $RUN_URL (HTTP $STATUS)"
echo "   (the server stops when the demo ends; start your own with: $BIN/runhook server)"

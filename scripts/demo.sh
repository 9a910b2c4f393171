#!/usr/bin/env bash
# Set up swarmbus and run a demo swarm on the embedded default (SQLite file,
# inbox delivery): eight inbox agents in a temporary folder, messages sent
# from several processes at once, one dispatcher pass, then the status table.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
log=$(mktemp)
if ! .venv/bin/pip install -q --disable-pip-version-check -e . >"$log" 2>&1; then
  cat "$log" >&2; exit 1
fi
rm -f "$log"
export PATH="$PWD/.venv/bin:$PATH"

demo=$(mktemp -d -t swarmbus-demo.XXXXXX)
cd "$demo"
echo "== swarmbus init (in $demo)"
swarmbus init --transport inbox

echo "== sending from 5 processes at once"
for sender in Agent-1 Agent-2 Agent-3 Agent-4; do
  (for n in 1 2 3; do
     swarmbus send --from "$sender" --tag demo Agent-5 "hello #$n from $sender" >/dev/null
   done) &
done
swarmbus broadcast --from Agent-8 --priority high "stand-up in 5 minutes" >/dev/null &
wait

echo "== swarmbus run --once"
swarmbus run --once
echo "== swarmbus status"
swarmbus status
echo "== swarmbus inbox Agent-5"
swarmbus inbox Agent-5

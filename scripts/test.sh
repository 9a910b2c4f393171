#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it:
# the X tools the GUI tests drive (Xvfb, xsel, xclip, Tk for the receiver
# window, xrandr for the two-monitor layout, openbox as the window manager),
# Debian's chromium for the dashboard's browser tests (Playwright drives it with
# executable_path: `playwright install` would download a browser, which cannot
# work here) and iproute2 for their network namespace, a virtualenv with
# swarmbus and its test extras, a lint pass, and the whole pytest suite (in three
# workers). The
# PostgreSQL tests use the machine's server (127.0.0.1:5432, trust auth,
# database `test`; SWARMBUS_TEST_POSTGRES overrides), started here if it is
# installed but not running.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v xsel >/dev/null 2>&1 || missing+=(xsel)
command -v xclip >/dev/null 2>&1 || missing+=(xclip)
command -v xrandr >/dev/null 2>&1 || missing+=(x11-xserver-utils)
command -v openbox >/dev/null 2>&1 || missing+=(openbox)
python3 -c 'import tkinter' >/dev/null 2>&1 || missing+=(python3-tk)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2; exit 1
  fi
  rm -f "$log"
fi

if [ -z "${SWARMBUS_TEST_POSTGRES:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
log=$(mktemp)
if ! .venv/bin/pip install -q --disable-pip-version-check -e '.[test,bench]' >"$log" 2>&1; then
  cat "$log" >&2; exit 1
fi
rm -f "$log"
if ! .venv/bin/python -c 'import tkinter' >/dev/null 2>&1; then
  echo "the venv's Python has no tkinter (needed by the GUI tests' receiver window);" \
    "build .venv from a Python with Tk (Debian: python3 with python3-tk)" >&2
  exit 1
fi
.venv/bin/ruff check --quiet .
# Three workers on two cores: most tests wait on processes, sockets and screens, so the
# suite takes a third of its serial time; `-n 0` after this runs it in one process.
exec .venv/bin/pytest -n 3 "$@"

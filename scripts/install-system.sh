#!/usr/bin/env bash
# Installs the Debian packages the hotline needs. Idempotent and quiet when all is present.
# Asterisk is not in Debian 12; it comes from Debian 11 (bullseye, Asterisk 16.28) on the same
# mirror the machine already uses, pinned at priority 100 so nothing else is pulled from bullseye.
set -euo pipefail

PKGS_BOOKWORM=(sox ffmpeg espeak-ng sip-tester chromium fonts-noto-cjk postgresql kannel kannel-extras coturn)
PKG_ASTERISK=asterisk
[ "${HOTLINE_SKIP_BROWSER:-}" = 1 ] && PKGS_BOOKWORM=(sox ffmpeg espeak-ng sip-tester postgresql kannel kannel-extras coturn)

missing=()
command -v asterisk >/dev/null 2>&1 || missing+=("$PKG_ASTERISK")
command -v sox >/dev/null 2>&1 || missing+=(sox)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
# gTTS answers mp3: sox decodes it (and tests encode it) only with its mp3 format module
sox_formats=$(sox -h 2>/dev/null | sed -n 's/^AUDIO FILE FORMATS://p' || true)
[[ " $sox_formats " == *" mp3 "* ]] || missing+=(libsox-fmt-mp3)
# an operator's recorded prompt may be m4a (AAC), which sox cannot read: ffmpeg decodes it
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
if [ "${HOTLINE_SKIP_BROWSER:-}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # the panel is in Chinese: without CJK fonts the browser tests' screenshots show boxes
  [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# SMS gateway (bookworm): bearerbox + smsbox, and kannel-extras for the tests' fakesmsc phone side
[ -x /usr/sbin/bearerbox ] && [ -x /usr/sbin/smsbox ] || missing+=(kannel)
[ -x /usr/lib/kannel/test/fakesmsc ] || missing+=(kannel-extras)
# the softphones' TURN server (softphone_turn; hotline runs it with its own config, never the
# package's service: policy-rc.d below keeps that from starting)
command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
# iproute2: `ip` lists the addresses TURN may relay to; the softphone tests' `ss -K` drops a WebSocket
command -v ip >/dev/null 2>&1 && command -v ss >/dev/null 2>&1 || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-system: missing ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
  echo "install-system: need root to apt-get install: ${missing[*]} (run as root, or install them yourself)" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system: apt-get not found; this script supports Debian 12 only. Install: ${missing[*]}" >&2
  exit 2
fi

# The mirror the machine already uses: first URIs:/deb line of its sources.
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

src=/etc/apt/sources.list.d/hotline-bullseye.sources
pin=/etc/apt/preferences.d/hotline-bullseye
if [ ! -f "$src" ]; then
  cat >"$src" <<SRC
Types: deb
URIs: $mirror
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
if [ ! -f "$pin" ]; then
  cat >"$pin" <<PIN
Package: *
Pin: release n=bullseye
Pin-Priority: 100
PIN
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! apt-get update -q >"$log" 2>&1; then
  echo "install-system: apt-get update failed (no network to the Debian mirror $mirror?):" >&2
  tail -20 "$log" >&2; exit 2
fi
want=()
for p in "${missing[@]}"; do [ "$p" != asterisk ] && want+=("$p"); done
if [ ${#want[@]} -gt 0 ]; then
  # policy-rc.d: the kannel package would start a system bearerbox; the hotline runs its own config
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -q --no-install-recommends "${want[@]}" >"$log" 2>&1 || { rm -f /usr/sbin/policy-rc.d; tail -30 "$log" >&2; exit 2; }
  rm -f /usr/sbin/policy-rc.d
fi
if [[ " ${missing[*]} " == *" asterisk "* ]]; then
  # policy-rc.d stops the package from starting a system Asterisk where an init system runs.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -q -t bullseye asterisk >"$log" 2>&1 || { rm -f /usr/sbin/policy-rc.d; tail -30 "$log" >&2; exit 2; }
  rm -f /usr/sbin/policy-rc.d
fi
rm -f "$log"
echo "install-system: installed ${missing[*]}" >&2

#!/bin/bash
# Install the Debian packages that the build and the tests need (only the missing ones).
# Not root: print the exact apt-get line and fail.
set -u
PKGS="build-essential pkg-config clang libncurses-dev libuv1-dev libcurl4-openssl-dev libcjson-dev
libyaml-dev zlib1g-dev libcmocka-dev libhttp-parser-dev libpcre2-dev libssl-dev
prometheus tmux python3-pil fonts-dejavu-core procps curl jq tzdata libclang-rt-14-dev libxml2-utils time
nghttp2-proxy openssl iproute2 apache2-utils libcrypt-dev python3-pyte libwslay-dev wrk python3-yaml"
missing=""
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
  case "$st" in *"install ok installed"*) ;; *) missing="$missing $p";; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "tops: missing packages; run as root:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || true
apt-get install -y -qq $missing >/dev/null || { echo "tops: apt-get install -y$missing failed" >&2; exit 1; }
# The prometheus package may start a system service on :9090; tests run their own.
# (the same for nghttp2-proxy's nghttpx on :3000)
if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus nghttpx >/dev/null 2>&1 || true; fi
exit 0

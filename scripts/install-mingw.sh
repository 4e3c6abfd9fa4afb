#!/usr/bin/env bash
# Installs the mingw-w64 cross compiler that cgo needs to build sysmon.exe
# (Debian/Ubuntu package gcc-mingw-w64-x86-64), only when it is missing.
set -euo pipefail

pkg=gcc-mingw-w64-x86-64
if command -v x86_64-w64-mingw32-gcc >/dev/null &&
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  exit 0
fi
echo "installing: $pkg"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "x86_64-w64-mingw32-gcc not found after installing $pkg" >&2; exit 1; }

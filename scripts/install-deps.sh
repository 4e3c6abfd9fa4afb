#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages sysmon needs to build (cgo, OpenGL,
# X11 and Wayland headers for Fyne) and to run its tests headless (Xvfb,
# xdotool, ImageMagick, D-Bus, Prometheus for the metrics tests, xz for the
# packaging tests), only those that are missing.
set -euo pipefail

packages=(
  gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev
  libxxf86vm-dev libwayland-dev libxkbcommon-dev wayland-protocols
  xvfb xdotool x11-utils imagemagick dbus dbus-x11 libgl1-mesa-dri fonts-dejavu-core xz-utils
  prometheus
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  [ -x /usr/local/go/bin/go ] || { echo "Go 1.26 or newer is needed: https://go.dev/dl/" >&2; exit 1; }
fi

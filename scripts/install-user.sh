#!/usr/bin/env bash
# Installs sysmon from the Linux tarball for the current user (no root):
#
#   scripts/install-user.sh install TARBALL
#   scripts/install-user.sh uninstall
#
# PREFIX (default $HOME/.local) and DESTDIR (a staging root) come from the
# environment, as in `make install PREFIX=... DESTDIR=...`. It installs:
#   $PREFIX/bin/sysmon
#   $PREFIX/share/applications/<app id>.desktop   (Exec = $PREFIX/bin/sysmon)
#   $PREFIX/share/icons/hicolor/<size>/apps/<app id>.png
# and uninstall removes exactly these files.
set -euo pipefail

action=${1:?usage: install-user.sh install TARBALL | uninstall}
cd "$(dirname "$0")/.."

prefix=${PREFIX:-}
[ -n "$prefix" ] || prefix="${HOME:?HOME is not set}/.local"
case $prefix in /*) ;; *) echo "PREFIX must be absolute: $prefix" >&2; exit 2 ;; esac
root=${DESTDIR:-}$prefix
app_id=$(sed -n 's/^ *ID *= *"\(.*\)"/\1/p' FyneApp.toml)
[ -n "$app_id" ] || { echo "no ID in FyneApp.toml" >&2; exit 1; }

bin=$root/bin/sysmon
desktop=$root/share/applications/$app_id.desktop
icons=$root/share/icons/hicolor

# refresh_caches updates the desktop and icon caches only where they already
# exist (a stale cache would hide the entry); it never creates new files.
refresh_caches() {
  if [ -f "$root/share/applications/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$root/share/applications" || true
  fi
  if [ -f "$icons/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t -f "$icons" || true
  fi
}

case $action in
install)
  tarball=${2:?usage: install-user.sh install TARBALL}
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sysmon-install.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  tar -xJf "$tarball" -C "$tmp"
  src_bin=$(find "$tmp" -path '*/bin/sysmon' -type f | head -n1)
  src_desktop=$(find "$tmp" -path '*/share/applications/*.desktop' -type f | head -n1)
  src_icon=$(find "$tmp" -path '*/share/pixmaps/*.png' -type f | head -n1)
  for f in "$src_bin" "$src_desktop" "$src_icon"; do
    [ -n "$f" ] || { echo "$tarball lacks the binary, .desktop file or icon" >&2; exit 1; }
  done
  # Icon theme directories are named after the image size (PNG IHDR).
  read -r w h < <(od -An -tu1 -j16 -N8 "$src_icon" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}')
  size=${w}x${h}
  [ "$w" = "$h" ] && [ "$w" -gt 0 ] || size=256x256
  exec_path=$prefix/bin/sysmon
  case $exec_path in *[[:space:]]*) exec_path="\"$exec_path\"" ;; esac

  install -Dm755 "$src_bin" "$bin"
  install -Dm644 "$src_icon" "$icons/$size/apps/$app_id.png"
  install -d "$(dirname "$desktop")"
  sed -e "s|^Exec=sysmon|Exec=$exec_path|" -e "s|^Icon=.*|Icon=$app_id|" "$src_desktop" >"$desktop.part"
  chmod 644 "$desktop.part"
  mv "$desktop.part" "$desktop"
  refresh_caches
  echo "installed $bin"
  echo "installed $desktop"
  echo "installed $icons/$size/apps/$app_id.png"
  case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "note: $prefix/bin is not on PATH; the menu entry works regardless" ;; esac
  ;;
uninstall)
  for f in "$bin" "$desktop" "$icons"/*/apps/"$app_id".png; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      rm -f "$f"
      echo "removed $f"
    fi
  done
  refresh_caches
  ;;
*)
  echo "unknown action $action (install or uninstall)" >&2
  exit 2
  ;;
esac

#!/usr/bin/env bash
# Runs sysmon daemon as a systemd user service of the current user:
#
#   scripts/install-service.sh install     writes the unit, enables and starts it
#   scripts/install-service.sh uninstall   stops and disables it, removes the unit
#
# The unit runs $PREFIX/bin/sysmon (PREFIX defaults to $HOME/.local, where
# make install puts it) and lives in ${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user.
set -euo pipefail

action=${1:?usage: install-service.sh install | uninstall}
cd "$(dirname "$0")/.."

prefix=${PREFIX:-}
[ -n "$prefix" ] || prefix="${HOME:?HOME is not set}/.local"
bin=$prefix/bin/sysmon
unit_dir=${XDG_CONFIG_HOME:-${HOME:?HOME is not set}/.config}/systemd/user
unit=$unit_dir/sysmon.service

# user_systemd says whether a systemd user manager answers in this session
# (there is none for root in a container, or over a plain ssh login).
user_systemd() { command -v systemctl >/dev/null && systemctl --user show-environment >/dev/null 2>&1; }

case $action in
install)
  [ -x "$bin" ] || { echo "$bin not found: run make install first (or set PREFIX)" >&2; exit 1; }
  install -d "$unit_dir"
  # systemd reads \ as an escape and % as a specifier in a quoted path, and
  # sed's replacement reads \, & and |.
  exec_bin=$(printf '%s' "$bin" | sed -e 's/\\/\\\\/g' -e 's/%/%%/g' -e 's/[\\&|]/\\&/g')
  sed "s|@BIN@|$exec_bin|" deploy/sysmon.service >"$unit.part"
  chmod 644 "$unit.part"
  mv "$unit.part" "$unit"
  echo "installed $unit"
  if user_systemd; then
    systemctl --user daemon-reload
    systemctl --user enable --now sysmon.service
    echo "sysmon daemon is running: systemctl --user status sysmon; journalctl --user -u sysmon"
  else
    echo "no systemd user manager in this session: once logged in to your desktop, run"
    echo "  systemctl --user daemon-reload && systemctl --user enable --now sysmon.service"
  fi
  ;;
uninstall)
  if user_systemd; then
    systemctl --user disable --now sysmon.service 2>/dev/null || true
  fi
  if [ -e "$unit" ]; then
    rm -f "$unit"
    echo "removed $unit"
  fi
  if user_systemd; then
    systemctl --user daemon-reload
  fi
  ;;
*)
  echo "unknown action $action (install or uninstall)" >&2
  exit 2
  ;;
esac

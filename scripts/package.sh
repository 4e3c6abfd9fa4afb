#!/usr/bin/env bash
# Packages sysmon with `fyne package` (fyne.io/tools, see fyne-tool.sh).
#
#   scripts/package.sh linux   OUT.tar.xz   Linux tarball: binary, .desktop file, icon
#   scripts/package.sh windows OUT.exe      sysmon.exe, a GUI program with icon and version info
#
# fyne package writes into the source tree (it builds ./sysmon, injects a
# metadata .go file, drops fyne.syso for Windows and bumps Build in
# FyneApp.toml), so it runs on a staged copy of the working tree and the
# checkout is left exactly as it was. The version comes from FyneApp.toml
# (fyne reads it for the package metadata; -X main.version for `sysmon version`).
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

target=${1:?usage: package.sh linux|windows OUTPUT}
out=${2:?usage: package.sh linux|windows OUTPUT}
cd "$(dirname "$0")/.."
case $out in /*) ;; *) out="$PWD/$out" ;; esac

# Go keeps its cache, module cache, settings and telemetry under HOME. When
# HOME was overridden for installing (`make install HOME=/tmp/x`, which may
# land here to rebuild the tarball), the Makefile sets SYSMON_REAL_HOME=1 and
# the build runs with the user's own HOME, so nothing is written to /tmp/x.
if [ "${SYSMON_REAL_HOME:-}" = 1 ]; then
  real_home=$(getent passwd "$(id -u)" | cut -d: -f6 || true)
  [ -z "$real_home" ] || export HOME="$real_home"
fi

version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
[ -n "$version" ] || { echo "no Version in FyneApp.toml" >&2; exit 1; }
fyne=$(scripts/fyne-tool.sh)

stage=$(mktemp -d "${TMPDIR:-/tmp}/sysmon-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and untracked files that git does not ignore, as they are now.
  git ls-files -z -c -o --exclude-standard |
    while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -xf - -C "$stage"
else
  tar --exclude=./dist --exclude=./.git -cf - . | tar -xf - -C "$stage"
fi

# GOFLAGS' -ldflags entries are what fyne package passes on to the linker.
goflags="$(go env GOFLAGS) -ldflags=-X=main.version=$version"
# fyne package sets -tags itself (release), which replaces any in GOFLAGS;
# the Makefile's build tags are handed over by name.
tags=()
[ -n "${SYSMON_TAGS:-}" ] && tags=(--tags "$SYSMON_TAGS")
mkdir -p "$(dirname "$out")"
start=$SECONDS
case $target in
linux)
  # fyne links with -z now (CGO_LDFLAGS), which makes the loader resolve
  # go-nvml's symbols at start-up and fail without libnvidia-ml
  # ("undefined symbol: nvmlSystemGetCudaDriverVersion_v2", exit 127);
  # -z lazy at the end of the external link line wins.
  (cd "$stage" && GOFLAGS="$goflags -ldflags=-extldflags=-Wl,-z,lazy" "$fyne" package -os linux -release "${tags[@]}")
  # Check the packaged binary starts before handing it out.
  check=$stage/check
  mkdir "$check"
  tar -xJf "$stage/sysmon.tar.xz" -C "$check"
  bin=$(find "$check" -path '*/bin/sysmon' -type f | head -n1)
  if readelf -d "$bin" | grep -qE 'BIND_NOW|FLAGS.*[[:space:]]NOW'; then
    echo "$bin is linked with -z now: go-nvml's symbols would be resolved at start-up" >&2
    exit 1
  fi
  got=$("$bin" version) || { echo "the packaged binary does not start: $got" >&2; exit 1; }
  [ "$got" = "sysmon $version" ] || { echo "packaged binary says '$got', want 'sysmon $version'" >&2; exit 1; }
  mv "$stage/sysmon.tar.xz" "$out.part"
  ;;
windows)
  command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "x86_64-w64-mingw32-gcc missing: run scripts/install-mingw.sh" >&2; exit 1; }
  # fyne adds -H=windowsgui for Windows and embeds icon, manifest and
  # version info through a generated fyne.syso.
  (cd "$stage" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
    GOFLAGS="$goflags" "$fyne" package -os windows -release "${tags[@]}")
  mv "$stage/sysmon.exe" "$out.part"
  ;;
*)
  echo "unknown target $target (linux or windows)" >&2
  exit 2
  ;;
esac
mv "$out.part" "$out"
echo "packaged $out ($(du -h "$out" | cut -f1), $((SECONDS - start)) s)"

#!/usr/bin/env bash
# Windows smoke test on Linux (make windows-smoke): installs mingw-w64 and
# Wine when missing, builds dist/sysmon.exe (scripts/package.sh, as make
# windows does) and runs e2e/windows_smoke_test.go, which starts sysmon.exe
# under Wine with a fake nvml.dll: `snapshot --json` must show CPU, memory
# and the fake GPU, the window must be drawn under Xvfb, and the gpu
# package's Windows tests must pass.
#
#   scripts/windows-smoke.sh         run it (SYSMON_EXE=path skips the build)
#   scripts/windows-smoke.sh --sum   print the hash of the Windows-related
#                                    files, as recorded in .ci/windows.sum
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"
cd "$(dirname "$0")/.."

# The files whose change can break sysmon on Windows without breaking the
# Linux tests or `GOOS=windows go vet`; .ci/run runs this smoke test when
# their hash differs from .ci/windows.sum.
windows_files() {
  git ls-files -c -o --exclude-standard -- \
    ':(glob)**/*_windows.go' ':(glob)**/*_windows_test.go' gpu/nvml.go \
    e2e/windows_smoke_test.go e2e/testdata/fakenvml e2e/testdata/processprng \
    scripts/windows-smoke.sh scripts/package.sh scripts/install-mingw.sh |
    LC_ALL=C sort -u
}

if [ "${1:-}" = --sum ]; then
  windows_files | while IFS= read -r f; do
    [ -f "$f" ] && sha256sum "$f"
  done | sha256sum | cut -d' ' -f1
  exit 0
fi

scripts/install-deps.sh
scripts/install-mingw.sh
# Debian's Wine 8 (amd64 only: sysmon.exe is 64-bit).
missing=()
for p in wine wine64 fonts-wine; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

start=$SECONDS
exe=${SYSMON_EXE:-}
if [ -z "$exe" ]; then
  exe=dist/sysmon.exe
  scripts/package.sh windows "$exe"
fi
# go test runs in e2e/: make the path absolute.
case $exe in /*) ;; *) exe="$PWD/$exe" ;; esac
built=$SECONDS
SYSMON_WINDOWS_SMOKE=1 SYSMON_EXE="$exe" go test -count=1 -timeout 15m -v -run '^TestWindowsSmoke$' ./e2e/
echo "windows smoke: build $((built - start)) s, test $((SECONDS - built)) s"

#!/usr/bin/env bash
# Prints the path of the pinned fyne CLI (fyne.io/tools), installing it with
# `go install` into GOBIN (default $(go env GOPATH)/bin) when it is missing or
# another version. go.mod is not touched: the tool is not a module dependency.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"

want=${FYNE_TOOLS_VERSION:-v1.7.4}

is_pinned() {
  [ -x "$1" ] && go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+fyne.io/tools[[:space:]]+${want//./\\.}([[:space:]]|$)"
}

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"

for candidate in "$gobin/fyne" "$(command -v fyne || true)"; do
  if [ -n "$candidate" ] && is_pinned "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

echo "installing fyne.io/tools/cmd/fyne@$want into $gobin" >&2
(cd / && GOBIN="$gobin" go install "fyne.io/tools/cmd/fyne@$want") >&2
is_pinned "$gobin/fyne" || { echo "fyne $want did not install into $gobin" >&2; exit 1; }
echo "$gobin/fyne"

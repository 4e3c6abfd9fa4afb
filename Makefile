# sysmon: `make run` starts the window, `make test` runs every check.
export PATH := $(PATH):/usr/local/go/bin
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := -X main.version=$(VERSION)
# Fyne's colour emoji font is parsed once per text style and was a third of
# the window's Go heap; sysmon shows no emoji.
# scripts/package.sh passes them on too.
export SYSMON_TAGS := no_emoji
export GOFLAGS := $(GOFLAGS) -tags=$(SYSMON_TAGS)
# Packages without Fyne: fast enough to run under the race detector.
PURE = $(shell go list ./... | grep -v -e '/ui' -e '/e2e' -e '^sysmon$$' -e '/assets')
# Fyne's GL driver needs cgo, and cgo for Windows needs mingw-w64; everything
# else is vetted for Windows with plain cross-compilation.
WINVET = $(shell GOOS=windows go list ./... 2>/dev/null | grep -v -e '^sysmon$$' -e '^sysmon/ui$$')

.PHONY: deps build run test vet unit e2e bench clean

deps:
	@scripts/install-deps.sh

build: deps
	go build -ldflags "$(LDFLAGS)" -o sysmon .

run: build
	./sysmon

vet:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	GOOS=windows go vet $(WINVET)

unit:
	go test -race $(PURE)
	go test ./ui/... .

# The end-to-end tests include the packaged binary (make package, a few
# minutes the first time), so that what users install is what is tested.
e2e: build
	SYSMON_PACKAGE_TEST=1 go test -count=1 -timeout 30m -v ./e2e/

test: deps vet unit e2e

bench:
	go test -run '^$$' -bench . -benchmem $(PURE) ./ui/chart/

clean:
	rm -f sysmon

# Packaging (fyne.io/tools v1.7.4; see scripts/package.sh, which packages a
# staged copy of the tree so the checkout and FyneApp.toml stay untouched).
# make package    dist/sysmon-VERSION-linux-ARCH.tar.xz (binary, .desktop file, icon)
# make install    for the current user under PREFIX (default ~/.local; DESTDIR honoured)
# make uninstall  removes exactly what install put there
# make windows    dist/sysmon.exe, a GUI program with icon (mingw-w64; ~7 min cold; not part of test)
# make windows-smoke  runs sysmon.exe under Wine with a fake NVIDIA driver, then
#                 records the Windows files' hash in .ci/windows.sum (CI runs it
#                 only when that hash changes; see scripts/windows-smoke.sh)
PREFIX ?= $(HOME)/.local
TARBALL := dist/sysmon-$(VERSION)-linux-$(or $(GOARCH),$(shell uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')).tar.xz
PKG_SOURCES = $(shell find . -path ./dist -prune -o -path ./.git -prune -o -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print) \
	FyneApp.toml assets/icon.png scripts/package.sh

.PHONY: package install uninstall windows install-service uninstall-service

package: $(TARBALL)

$(TARBALL): $(PKG_SOURCES)
	@scripts/install-deps.sh
	$(if $(filter command line,$(origin HOME)),SYSMON_REAL_HOME=1) scripts/package.sh linux $@

install: $(TARBALL)
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install-user.sh install $(TARBALL)

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" scripts/install-user.sh uninstall

# make install-service    installs for the current user, then runs sysmon daemon
#                         as a systemd user service (scripts/install-service.sh)
install-service: install
	PREFIX="$(PREFIX)" scripts/install-service.sh install

uninstall-service:
	PREFIX="$(PREFIX)" scripts/install-service.sh uninstall

windows:
	@scripts/install-mingw.sh
	scripts/package.sh windows dist/sysmon.exe

.PHONY: windows-smoke

windows-smoke:
	scripts/windows-smoke.sh
	scripts/windows-smoke.sh --sum > .ci/windows.sum

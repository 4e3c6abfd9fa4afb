# sysmon: `make run` starts the window, `make test` runs every check.
export PATH := $(PATH):/usr/local/go/bin
VERSION := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
LDFLAGS := -X main.version=$(VERSION)
# Packages without Fyne: fast enough to run under the race detector.
PURE = $(shell go list ./... | grep -v -e '/ui' -e '/e2e' -e '^sysmon$$' -e '/assets')
# Fyne's GL driver needs cgo, and cgo for Windows needs mingw-w64; everything
# else is vetted for Windows with plain cross-compilation.
WINVET = $(shell GOOS=windows go list ./... | grep -v -e '^sysmon$$' -e '^sysmon/ui$$')

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

e2e: build
	go test -count=1 -v ./e2e/

test: deps vet unit e2e

bench:
	go test -run '^$$' -bench . -benchmem $(PURE) ./ui/chart/

clean:
	rm -f sysmon

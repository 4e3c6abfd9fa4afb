package idle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// tickAge is the time from tick last to tick now of a 32-bit millisecond
// counter; unsigned subtraction stays right across its wrap every 49.7 days.
func tickAge(now, last uint32) time.Duration {
	return time.Duration(now-last) * time.Millisecond
}

// parseHIDIdleTime finds the first "HIDIdleTime" = N (nanoseconds) in ioreg
// output.
func parseHIDIdleTime(out []byte) (time.Duration, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		_, value, ok := strings.Cut(sc.Text(), `"HIDIdleTime" =`)
		if !ok {
			continue
		}
		ns, err := strconv.ParseUint(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse HIDIdleTime: %w", err)
		}
		return scaled(ns, time.Nanosecond), nil
	}
	return 0, errors.New("no HIDIdleTime in ioreg output")
}

// parsePreventDisplaySleep reads the system-wide PreventUserIdleDisplaySleep
// count from `pmset -g assertions`.
func parsePreventDisplaySleep(out []byte) (bool, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "PreventUserIdleDisplaySleep" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return false, fmt.Errorf("parse PreventUserIdleDisplaySleep: %w", err)
			}
			return n > 0, nil
		}
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), "Listed by owning process") {
			break
		}
	}
	return false, errors.New("no PreventUserIdleDisplaySleep in pmset output")
}

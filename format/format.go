// Package format turns base units (bytes, bytes/s, percent, seconds) into the
// short human strings shown in the window and the text snapshot. It is the only
// place that knows about KiB, MB or "3m 20s"; everything else works in base units.
package format

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// NA is what every formatter prints for a value that could not be read.
const NA = "n/a"

// Units selects binary (KiB, MiB: powers of 1024) or decimal (kB, MB: powers of
// 1000) prefixes for byte quantities.
type Units int

const (
	Binary Units = iota
	Decimal
)

var (
	binaryPrefixes  = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	decimalPrefixes = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
)

// Base is the step between two prefixes: 1024 or 1000.
func (u Units) Base() float64 {
	if u == Decimal {
		return 1000
	}
	return 1024
}

// Bytes formats a byte count, e.g. 1536 -> "1.5 KiB". NaN and ±Inf give "n/a".
func (u Units) Bytes(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return NA
	}
	base, names := 1024.0, binaryPrefixes
	if u == Decimal {
		base, names = 1000, decimalPrefixes
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	i := 0
	for v >= base && i < len(names)-1 {
		v /= base
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%s%.0f %s", sign, v, names[0])
	}
	return sign + trimNumber(v) + " " + names[i]
}

// Rate formats bytes per second, e.g. "1.2 MiB/s".
func (u Units) Rate(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return NA
	}
	return u.Bytes(v) + "/s"
}

// Bytes and Rate with binary units, the default in the window.
func Bytes(v float64) string { return Binary.Bytes(v) }
func Rate(v float64) string  { return Binary.Rate(v) }

// BytesPtr and RatePtr format an optional value: nil is "n/a".
func BytesPtr(v *uint64) string {
	if v == nil {
		return NA
	}
	return Bytes(float64(*v))
}

func RatePtr(v *float64) string {
	if v == nil {
		return NA
	}
	return Rate(*v)
}

// Percent formats a 0-100 value with one decimal below 10 % and none above,
// which keeps labels steady in width while still showing small loads.
func Percent(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return NA
	}
	if math.Abs(v) < 10 {
		return fmt.Sprintf("%.1f %%", v)
	}
	return fmt.Sprintf("%.0f %%", v)
}

// PercentPtr formats an optional percentage: nil is "n/a".
func PercentPtr(v *float64) string {
	if v == nil {
		return NA
	}
	return Percent(*v)
}

// Float formats an optional float with the given unit suffix and precision,
// e.g. FloatPtr(&w, 0, "W") -> "18 W".
func FloatPtr(v *float64, prec int, unit string) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return NA
	}
	return fmt.Sprintf("%.*f %s", prec, *v, unit)
}

// Duration formats seconds as the two largest units: "45s", "3m 20s",
// "2h 05m", "3d 4h". Negative and non-finite values give "n/a": a duration
// that went backwards is a bug upstream, not something to show.
func Duration(seconds float64) string {
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || seconds < 0 {
		return NA
	}
	s := int64(seconds)
	d, h, m := s/86400, s/3600%24, s/60%60
	s %= 60
	switch {
	case d > 0:
		return fmt.Sprintf("%dd %dh", d, h)
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

// trimNumber prints two decimals below 10 and one above, without trailing
// zeros: 1.5, 12.3, 773.8, 16.
func trimNumber(v float64) string {
	var s string
	if v >= 10 {
		s = fmt.Sprintf("%.1f", v)
	} else {
		s = fmt.Sprintf("%.2f", v)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// ParsePercent reads a percentage from 0 to 100 as a person types it:
// "20", "20%" or "20 %".
func ParsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	if err != nil || !(v >= 0 && v <= 100) {
		return 0, fmt.Errorf("%q is not a percentage from 0 to 100", s)
	}
	return v, nil
}

// ParseBytes reads a size as a person types it: "8GiB", "500MB", "1.5 GB".
func ParseBytes(s string) (uint64, error) {
	v, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size: use a number with a unit, like 8GiB or 500MB", s)
	}
	return v, nil
}

// CommandLine is argv as one line, with each argument that holds spaces or
// quotes quoted, so that `sh -c "echo hello; sleep 1"` reads as what runs.
func CommandLine(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

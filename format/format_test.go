package format

import (
	"math"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestBytes(t *testing.T) {
	cases := []struct {
		in  float64
		bin string
		dec string
	}{
		{0, "0 B", "0 B"},
		{0.4, "0 B", "0 B"},
		{1, "1 B", "1 B"},
		{1023, "1023 B", "1.02 kB"},
		{1536, "1.5 KiB", "1.54 kB"},
		{792416 * 1024, "773.8 MiB", "811.4 MB"},
		{16 << 30, "16 GiB", "17.2 GB"},
		{math.MaxUint64, "16 EiB", "18.4 EB"},
		{-2048, "-2 KiB", "-2.05 kB"},
		{math.NaN(), "n/a", "n/a"},
		{math.Inf(1), "n/a", "n/a"},
	}
	for _, c := range cases {
		if got := Binary.Bytes(c.in); got != c.bin {
			t.Errorf("Binary.Bytes(%v) = %q, want %q", c.in, got, c.bin)
		}
		if got := Decimal.Bytes(c.in); got != c.dec {
			t.Errorf("Decimal.Bytes(%v) = %q, want %q", c.in, got, c.dec)
		}
	}
}

func TestRateAndOptional(t *testing.T) {
	if got := Rate(1.5 * 1024 * 1024); got != "1.5 MiB/s" {
		t.Errorf("Rate = %q", got)
	}
	if got := RatePtr(nil); got != NA {
		t.Errorf("RatePtr(nil) = %q", got)
	}
	if got := BytesPtr(ptr(uint64(0))); got != "0 B" {
		t.Errorf("BytesPtr(0) = %q: a real zero must not read as n/a", got)
	}
	if got := Rate(math.NaN()); got != NA {
		t.Errorf("Rate(NaN) = %q", got)
	}
}

func TestPercent(t *testing.T) {
	cases := map[float64]string{0: "0.0 %", 0.04: "0.0 %", 4.83: "4.8 %", 14.2857: "14 %", 100: "100 %", -3: "-3.0 %", 1e9: "1000000000 %"}
	for in, want := range cases {
		if got := Percent(in); got != want {
			t.Errorf("Percent(%v) = %q, want %q", in, got, want)
		}
	}
	if got := PercentPtr(nil); got != NA {
		t.Errorf("PercentPtr(nil) = %q", got)
	}
	if got := FloatPtr(ptr(18.0), 0, "W"); got != "18 W" {
		t.Errorf("FloatPtr = %q", got)
	}
	if got := FloatPtr(nil, 0, "W"); got != NA {
		t.Errorf("FloatPtr(nil) = %q", got)
	}
}

func TestDuration(t *testing.T) {
	cases := map[float64]string{
		0: "0s", 0.7: "0s", 45: "45s", 200: "3m 20s", 7500: "2h 05m",
		3*86400 + 4*3600 + 59: "3d 4h", 1e12: "11574074d 1h", -1: NA, math.NaN(): NA, math.Inf(1): NA,
	}
	for in, want := range cases {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestBase(t *testing.T) {
	if Binary.Base() != 1024 || Decimal.Base() != 1000 {
		t.Error("bases")
	}
}

func TestCommandLine(t *testing.T) {
	got := CommandLine([]string{"/bin/sh", "-c", `echo "hi"; sleep 1`, "", "plain"})
	if want := `/bin/sh -c "echo \"hi\"; sleep 1" "" plain`; got != want {
		t.Errorf("CommandLine = %s, want %s", got, want)
	}
}

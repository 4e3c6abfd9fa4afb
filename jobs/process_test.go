package jobs

import (
	"strings"
	"testing"
)

func TestCappedLogStopsAtItsLimit(t *testing.T) {
	var out strings.Builder
	c := &cappedLog{w: &out, left: 10}
	for _, s := range []string{"12345", "67890", "x", "more"} {
		if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := out.String(); !strings.HasPrefix(got, "1234567890\n=== sysmon: this attempt's log reached") || strings.Contains(got, "more") {
		t.Errorf("log = %q", got)
	}
}

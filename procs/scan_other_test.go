//go:build !linux

package procs

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestScanFindsSelf runs the gopsutil scanner on the real machine: the test
// process is listed with its details, and with a CPU share once it has been
// seen before.
func TestScanFindsSelf(t *testing.T) {
	s := NewScanner()
	self := int32(os.Getpid())
	find := func() Process {
		list, err := s.Scan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range list {
			if p.PID == self {
				return p
			}
		}
		t.Fatalf("PID %d not listed among %d processes", self, len(list))
		return Process{}
	}
	if p := find(); p.Name == "" || p.StartTime == nil || p.CPUPercent != nil {
		t.Errorf("first scan: %+v", p)
	}
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
	}
	if p := find(); p.CPUCorePercent == nil || *p.CPUCorePercent <= 0 || p.RSSBytes == nil {
		t.Errorf("second scan: cpu %s, rss %v", show(p.CPUCorePercent), p.RSSBytes)
	}
}

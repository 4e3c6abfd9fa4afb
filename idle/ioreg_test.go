package idle

import (
	"fmt"
	"testing"
	"time"
)

// Trimmed `ioreg -r -c IOHIDSystem -d 1` output from macOS 14.
const ioregOutput = `+-o IOHIDSystem  <class IOHIDSystem, id 0x100000476, registered, matched, active, busy 0 (0 ms), retain 28>
    {
      "IOClass" = "IOHIDSystem"
      "HIDParameters" = {"HIDClickTime"=500000000,"HIDKeyRepeat"=83333333}
      "HIDIdleTime" = 61503872416
      "IOProviderClass" = "IOResources"
      "HIDScrollCountBehavior" = 0
    }
`

func TestParseHIDIdleTime(t *testing.T) {
	got, err := parseHIDIdleTime([]byte(ioregOutput))
	if err != nil || got != 61503872416*time.Nanosecond {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", `"IOClass" = "IOHIDSystem"`, `"HIDIdleTime" = -5`, `"HIDIdleTime" = <data>`} {
		if d, err := parseHIDIdleTime([]byte(bad)); err == nil {
			t.Errorf("%q: got %v, want an error", bad, d)
		}
	}
}

// Trimmed `pmset -g assertions` output while a video plays.
const pmsetOutput = `2024-05-01 10:00:00 +0200
Assertion status system-wide:
   BackgroundTask                 0
   ApplePushServiceTask           0
   UserIsActive                   1
   PreventUserIdleDisplaySleep    %s
   PreventSystemSleep             0
   ExternalMedia                  0
   PreventUserIdleSystemSleep     1
   NetworkClientActive            0
Listed by owning process:
   pid 412(coreaudiod): [0x00013b3a00018a1f] 00:05:11 PreventUserIdleSystemSleep named: "com.apple.audio.context"
   pid 977(Safari): [0x00013b3a00018a20] 00:05:11 PreventUserIdleDisplaySleep named: "Video Wake Lock"
`

func TestParsePreventDisplaySleep(t *testing.T) {
	for _, tc := range []struct {
		count string
		want  bool
	}{{"1", true}, {"2", true}, {"0", false}} {
		out := []byte(fmt.Sprintf(pmsetOutput, tc.count))
		got, err := parsePreventDisplaySleep(out)
		if err != nil || got != tc.want {
			t.Errorf("count %s: got %v, %v; want %v", tc.count, got, err, tc.want)
		}
	}
	// Only the system-wide table counts, not a per-process line.
	perProcess := "Listed by owning process:\n   PreventUserIdleDisplaySleep    1\n"
	if _, err := parsePreventDisplaySleep([]byte(perProcess)); err == nil {
		t.Error("read a per-process line as the system-wide count")
	}
	if _, err := parsePreventDisplaySleep([]byte("PreventUserIdleDisplaySleep x\n")); err == nil {
		t.Error("accepted a non-number")
	}
}

func TestTickAgeAcrossWrap(t *testing.T) {
	if got := tickAge(5000, 2000); got != 3*time.Second {
		t.Fatalf("got %v", got)
	}
	// The counter wrapped between the last input and now.
	if got := tickAge(999, 0xFFFFFFFF-1000); got != 2*time.Second {
		t.Fatalf("across the wrap: got %v", got)
	}
}

package power

import (
	"path/filepath"
	"testing"
)

func TestOnACFromSysfs(t *testing.T) {
	for _, tc := range []struct {
		tree string
		want bool
	}{
		{"laptop-battery", false},
		{"laptop-charging", true},
		{"desktop", true},
		{"nomains-discharging", false},
		{"missing", true},
	} {
		t.Run(tc.tree, func(t *testing.T) {
			old := sysfsRoot
			t.Cleanup(func() { sysfsRoot = old })
			sysfsRoot = filepath.Join("testdata", tc.tree)
			got, err := OnAC()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("OnAC() = %v, want %v", got, tc.want)
			}
		})
	}
}

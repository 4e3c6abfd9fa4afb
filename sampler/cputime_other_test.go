//go:build !unix

package sampler

import "time"

// processCPUTime is not measured outside Unix; the metric reads 0 there.
func processCPUTime() time.Duration { return 0 }

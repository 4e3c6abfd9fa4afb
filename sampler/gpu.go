package sampler

import (
	"context"

	"sysmon/gpu"
)

// GPUReader is what the GPU source needs of gpu.Monitor.
type GPUReader interface {
	Read() gpu.Status
}

// gpuSource puts the NVIDIA status, present or not and why, in every Sample.
type gpuSource struct{ m GPUReader }

// NewGPUSource reads GPUs through m; the caller owns m and closes it.
func NewGPUSource(m GPUReader) Source { return gpuSource{m} }

func (gpuSource) Name() string { return "gpu" }

func (g gpuSource) Collect(context.Context, Tick) (func(*Sample), error) {
	st := g.m.Read()
	return func(s *Sample) { s.GPU = &st }, nil
}

//go:build linux && cgo

package gpu

import (
	"testing"
	"unsafe"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// TestWindowsStructLayouts checks the structs the Windows back end hands to
// nvml.dll against go-nvml's, which cgo generated from nvml.h: the same
// size and field offsets, so the DLL writes where Go reads.
func TestWindowsStructLayouts(t *testing.T) {
	type layout struct {
		size    uintptr
		offsets []uintptr
	}
	tests := []struct {
		name      string
		got, want layout
	}{
		{"nvmlMemory_t",
			layout{unsafe.Sizeof(nvmlMemory{}), []uintptr{unsafe.Offsetof(nvmlMemory{}.Total), unsafe.Offsetof(nvmlMemory{}.Free), unsafe.Offsetof(nvmlMemory{}.Used)}},
			layout{unsafe.Sizeof(nvml.Memory{}), []uintptr{unsafe.Offsetof(nvml.Memory{}.Total), unsafe.Offsetof(nvml.Memory{}.Free), unsafe.Offsetof(nvml.Memory{}.Used)}}},
		{"nvmlUtilization_t",
			layout{unsafe.Sizeof(nvmlUtilization{}), []uintptr{unsafe.Offsetof(nvmlUtilization{}.GPU), unsafe.Offsetof(nvmlUtilization{}.Memory)}},
			layout{unsafe.Sizeof(nvml.Utilization{}), []uintptr{unsafe.Offsetof(nvml.Utilization{}.Gpu), unsafe.Offsetof(nvml.Utilization{}.Memory)}}},
		{"nvmlPciInfo_t",
			layout{unsafe.Sizeof(nvmlPciInfo{}), []uintptr{unsafe.Offsetof(nvmlPciInfo{}.BusIDLegacy), unsafe.Offsetof(nvmlPciInfo{}.Domain), unsafe.Offsetof(nvmlPciInfo{}.Bus),
				unsafe.Offsetof(nvmlPciInfo{}.Device), unsafe.Offsetof(nvmlPciInfo{}.PciDeviceID), unsafe.Offsetof(nvmlPciInfo{}.PciSubSystemID), unsafe.Offsetof(nvmlPciInfo{}.BusID)}},
			layout{unsafe.Sizeof(nvml.PciInfo{}), []uintptr{unsafe.Offsetof(nvml.PciInfo{}.BusIdLegacy), unsafe.Offsetof(nvml.PciInfo{}.Domain), unsafe.Offsetof(nvml.PciInfo{}.Bus),
				unsafe.Offsetof(nvml.PciInfo{}.Device), unsafe.Offsetof(nvml.PciInfo{}.PciDeviceId), unsafe.Offsetof(nvml.PciInfo{}.PciSubSystemId), unsafe.Offsetof(nvml.PciInfo{}.BusId)}}},
		{"nvmlProcessInfo_v1_t",
			layout{unsafe.Sizeof(nvmlProcessInfoV1{}), []uintptr{unsafe.Offsetof(nvmlProcessInfoV1{}.Pid), unsafe.Offsetof(nvmlProcessInfoV1{}.UsedGpuMemory)}},
			layout{unsafe.Sizeof(nvml.ProcessInfo_v1{}), []uintptr{unsafe.Offsetof(nvml.ProcessInfo_v1{}.Pid), unsafe.Offsetof(nvml.ProcessInfo_v1{}.UsedGpuMemory)}}},
		{"nvmlProcessInfo_v2_t",
			layout{unsafe.Sizeof(nvmlProcessInfoV2{}), []uintptr{unsafe.Offsetof(nvmlProcessInfoV2{}.Pid), unsafe.Offsetof(nvmlProcessInfoV2{}.UsedGpuMemory),
				unsafe.Offsetof(nvmlProcessInfoV2{}.GpuInstanceID), unsafe.Offsetof(nvmlProcessInfoV2{}.ComputeInstanceID)}},
			layout{unsafe.Sizeof(nvml.ProcessInfo{}), []uintptr{unsafe.Offsetof(nvml.ProcessInfo{}.Pid), unsafe.Offsetof(nvml.ProcessInfo{}.UsedGpuMemory),
				unsafe.Offsetof(nvml.ProcessInfo{}.GpuInstanceId), unsafe.Offsetof(nvml.ProcessInfo{}.ComputeInstanceId)}}},
	}
	for _, tt := range tests {
		if tt.got.size != tt.want.size || len(tt.got.offsets) != len(tt.want.offsets) {
			t.Errorf("%s: size %d with %d fields, want %d with %d", tt.name, tt.got.size, len(tt.got.offsets), tt.want.size, len(tt.want.offsets))
			continue
		}
		for i := range tt.got.offsets {
			if tt.got.offsets[i] != tt.want.offsets[i] {
				t.Errorf("%s: field %d at offset %d, want %d", tt.name, i, tt.got.offsets[i], tt.want.offsets[i])
			}
		}
	}
	if memNotAvailable != 0xFFFFFFFFFFFFFFFF {
		t.Errorf("memNotAvailable = %#x, want NVML_VALUE_NOT_AVAILABLE as unsigned long long", memNotAvailable)
	}
}

// TestSharedReturnCodes: the codes the shared logic switches on are go-nvml's.
func TestSharedReturnCodes(t *testing.T) {
	for _, c := range []struct {
		got  int32
		want nvml.Return
	}{
		{retSuccess, nvml.SUCCESS}, {retNoPermission, nvml.ERROR_NO_PERMISSION}, {retDriverNotLoaded, nvml.ERROR_DRIVER_NOT_LOADED},
		{retLibraryNotFound, nvml.ERROR_LIBRARY_NOT_FOUND}, {retGPUIsLost, nvml.ERROR_GPU_IS_LOST}, {retUnknown, nvml.ERROR_UNKNOWN},
	} {
		if nvml.Return(c.got) != c.want {
			t.Errorf("shared code %d, go-nvml's %s is %d", c.got, c.want.Error(), int32(c.want))
		}
	}
}

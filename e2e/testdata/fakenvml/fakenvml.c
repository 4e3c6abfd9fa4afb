/*
 * fakenvml: a stand-in libnvidia-ml.so.1 (and, built with mingw-w64, nvml.dll)
 * for sysmon's end-to-end tests on machines without an NVIDIA GPU. go-nvml dlopens it like the real library,
 * so sysmon's whole NVML path runs: symbol lookups, versioned entry points,
 * struct layouts, in/out counts and error strings.
 *
 * Build (the tests do this):
 *   gcc -shared -fPIC -O2 -Wall -Wextra -Werror \
 *       -I$(go env GOMODCACHE)/github.com/!n!v!i!d!i!a/go-nvml@v0.13.4-1/pkg/nvml \
 *       -o DIR/libnvidia-ml.so.1 fakenvml.c
 *
 * The same file is Windows' nvml.dll for the Wine smoke test (make
 * windows-smoke), where sysmon.exe loads it from system32 through
 * LoadLibraryEx; NVML_LIB_EXPORT makes nvml.h declare every function
 * __declspec(dllexport):
 *   x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -Werror -DNVML_LIB_EXPORT \
 *       -I.../pkg/nvml -o DIR/nvml.dll fakenvml.c
 *
 * Canned machine:
 *   device 0  "NVIDIA GeForce RTX 4090", 24 GiB, utilisation and VRAM that
 *             move with the clock, ~60 C, ~250 W of a 450 W limit, a growing
 *             energy counter, fan 40 %, PCIe gen 4 x16. Compute processes:
 *             $FAKENVML_PID with 2 GiB (when set) and PID 79 whose memory is
 *             NVML_VALUE_NOT_AVAILABLE. No graphics processes.
 *   device 1  has a handle, but every query answers NVML_ERROR_GPU_IS_LOST.
 *
 * Only the symbols below exist: on Linux a call to any other aborts the
 * process with "symbol lookup error", which is what the test wants to catch;
 * on Windows sysmon looks every function up first and leaves a missing one's
 * field absent.
 */

/* Define exactly the symbol names go-nvml dlsyms and calls. */
#define NVML_NO_UNVERSIONED_FUNC_DEFS 1
#include "nvml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>
#endif

#ifdef _WIN32
#define EXPORT /* nvml.h's DECLDIR exports them */
#else
#define EXPORT __attribute__((visibility("default")))
#endif

#define FAKE_DEVICES 2
#define GIB (1024ULL * 1024ULL * 1024ULL)

/* go-nvml passes handles by value; they only have to be distinct pointers. */
struct nvmlDevice_st {
    unsigned int index;
};

static struct nvmlDevice_st devices[FAKE_DEVICES] = {{0}, {1}};
static int initCount;
static double loadedAt;

static double now(void)
{
#ifdef _WIN32
    /* mingw's clock_gettime needs winpthread; the DLL should need nothing. */
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (double)(((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime) / 1e7;
#else
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#endif
}

/* triangle is a wave between 0 and 1 with the given period in seconds. */
static double triangle(double t, double period)
{
    double x = t / period;
    x -= (double)(long long)x;
    return x < 0.5 ? 2 * x : 2 * (1 - x);
}

__attribute__((constructor)) static void fakeLoaded(void)
{
    loadedAt = now();
}

/* check validates a device handle and an out pointer; lost devices fail. */
static nvmlReturn_t check(nvmlDevice_t device, const void *out)
{
    if (initCount == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (device.handle != &devices[0] && device.handle != &devices[1])
        return NVML_ERROR_INVALID_ARGUMENT;
    if (out == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (device.handle->index == 1)
        return NVML_ERROR_GPU_IS_LOST;
    return NVML_SUCCESS;
}

static nvmlReturn_t copyString(char *dst, unsigned int length, const char *src)
{
    if (dst == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) + 1 > length)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(dst, src, strlen(src) + 1);
    return NVML_SUCCESS;
}

/* ---- library state ---------------------------------------------------- */

EXPORT nvmlReturn_t nvmlInit_v2(void)
{
    initCount++;
    return NVML_SUCCESS;
}

/* nvmlInit is the v1 entry point; go-nvml uses it only without _v2. */
EXPORT nvmlReturn_t nvmlInit(void)
{
    return nvmlInit_v2();
}

EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned int flags)
{
    (void)flags;
    return nvmlInit_v2();
}

EXPORT nvmlReturn_t nvmlShutdown(void)
{
    if (initCount == 0)
        return NVML_ERROR_UNINITIALIZED;
    initCount--;
    return NVML_SUCCESS;
}

EXPORT const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_UNKNOWN: return "Unknown Error";
    default: return "Unknown Error";
    }
}

/* ---- system ----------------------------------------------------------- */

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    if (initCount == 0)
        return NVML_ERROR_UNINITIALIZED;
    return copyString(version, length, "550.54.15");
}

EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
    if (initCount == 0)
        return NVML_ERROR_UNINITIALIZED;
    return copyString(version, length, "12.550.54.15");
}

EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion)
{
    if (cudaDriverVersion == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *cudaDriverVersion = 12040; /* 12.4 */
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *cudaDriverVersion)
{
    return nvmlSystemGetCudaDriverVersion(cudaDriverVersion);
}

/* ---- device enumeration ----------------------------------------------- */

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
    if (initCount == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (deviceCount == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *deviceCount = FAKE_DEVICES;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (initCount == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (device == NULL || index >= FAKE_DEVICES)
        return NVML_ERROR_INVALID_ARGUMENT;
    device->handle = &devices[index];
    return NVML_SUCCESS;
}

/* ---- identity --------------------------------------------------------- */

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    nvmlReturn_t ret = check(device, name);
    if (ret != NVML_SUCCESS)
        return ret;
    return copyString(name, length, "NVIDIA GeForce RTX 4090");
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    nvmlReturn_t ret = check(device, uuid);
    if (ret != NVML_SUCCESS)
        return ret;
    return copyString(uuid, length, "GPU-f4e0c2a1-0b6d-4c38-9a57-3e1d2c4b5a69");
}

EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
    nvmlReturn_t ret = check(device, pci);
    if (ret != NVML_SUCCESS)
        return ret;
    memset(pci, 0, sizeof *pci);
    pci->domain = 0;
    pci->bus = 1;
    pci->device = 0;
    pci->pciDeviceId = 0x268410de; /* AD102 */
    pci->pciSubSystemId = 0x16f310de;
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, NVML_DEVICE_PCI_BUS_ID_LEGACY_FMT, 0u, 1u, 0u);
    snprintf(pci->busId, sizeof pci->busId, NVML_DEVICE_PCI_BUS_ID_FMT, 0u, 1u, 0u);
    return NVML_SUCCESS;
}

/* ---- live values ------------------------------------------------------ */

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    nvmlReturn_t ret = check(device, memory);
    if (ret != NVML_SUCCESS)
        return ret;
    /* 6 to 14 GiB used, over a 40 s cycle. */
    memory->total = 24 * GIB;
    memory->used = 6 * GIB + (unsigned long long)(triangle(now(), 40) * 8 * GIB);
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
    nvmlReturn_t ret = check(device, utilization);
    if (ret != NVML_SUCCESS)
        return ret;
    /* GPU 20-90 %, memory controller 10-50 %. */
    utilization->gpu = 20 + (unsigned int)(triangle(now(), 20) * 70);
    utilization->memory = 10 + (unsigned int)(triangle(now(), 30) * 40);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType, unsigned int *temp)
{
    nvmlReturn_t ret = check(device, temp);
    if (ret != NVML_SUCCESS)
        return ret;
    if (sensorType != NVML_TEMPERATURE_GPU)
        return NVML_ERROR_NOT_SUPPORTED;
    *temp = 58 + (unsigned int)(triangle(now(), 60) * 4); /* 58-62 C */
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
    nvmlReturn_t ret = check(device, power);
    if (ret != NVML_SUCCESS)
        return ret;
    *power = 240000 + (unsigned int)(triangle(now(), 20) * 20000); /* 240-260 W, in mW */
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit)
{
    nvmlReturn_t ret = check(device, limit);
    if (ret != NVML_SUCCESS)
        return ret;
    *limit = 450000; /* mW */
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)
{
    nvmlReturn_t ret = check(device, energy);
    if (ret != NVML_SUCCESS)
        return ret;
    /* 123456.789 J at load, then 250 W: in mJ. */
    *energy = 123456789ULL + (unsigned long long)((now() - loadedAt) * 250000);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed)
{
    nvmlReturn_t ret = check(device, speed);
    if (ret != NVML_SUCCESS)
        return ret;
    *speed = 40;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clock)
{
    nvmlReturn_t ret = check(device, clock);
    if (ret != NVML_SUCCESS)
        return ret;
    switch (type) {
    case NVML_CLOCK_GRAPHICS:
    case NVML_CLOCK_SM:
        *clock = 2520;
        return NVML_SUCCESS;
    case NVML_CLOCK_MEM:
        *clock = 10501;
        return NVML_SUCCESS;
    case NVML_CLOCK_VIDEO:
        *clock = 1965;
        return NVML_SUCCESS;
    default:
        return NVML_ERROR_INVALID_ARGUMENT;
    }
}

EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *clocksEventReasons)
{
    nvmlReturn_t ret = check(device, clocksEventReasons);
    if (ret != NVML_SUCCESS)
        return ret;
    *clocksEventReasons = nvmlClocksEventReasonSwPowerCap;
    return NVML_SUCCESS;
}

/* The pre-535 name of the same query; real drivers export both. */
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *clocksThrottleReasons)
{
    return nvmlDeviceGetCurrentClocksEventReasons(device, clocksThrottleReasons);
}

EXPORT nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t device, unsigned int *currLinkGen)
{
    nvmlReturn_t ret = check(device, currLinkGen);
    if (ret != NVML_SUCCESS)
        return ret;
    *currLinkGen = 4;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t device, unsigned int *currLinkWidth)
{
    nvmlReturn_t ret = check(device, currLinkWidth);
    if (ret != NVML_SUCCESS)
        return ret;
    *currLinkWidth = 16;
    return NVML_SUCCESS;
}

/* ---- processes -------------------------------------------------------- */

/*
 * fillProcesses implements NVML's in/out count: *infoCount is the room in
 * infos on entry and the number of entries on return; when the room is too
 * small it is set to the number needed and NVML_ERROR_INSUFFICIENT_SIZE
 * returned (infos may be NULL to ask only for the count).
 */
static nvmlReturn_t fillProcesses(unsigned int *infoCount, nvmlProcessInfo_t *infos,
                                  const nvmlProcessInfo_t *list, unsigned int n)
{
    if (infoCount == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (*infoCount < n) {
        *infoCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    if (n > 0 && infos == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    for (unsigned int i = 0; i < n; i++)
        infos[i] = list[i];
    *infoCount = n;
    return NVML_SUCCESS;
}

/* computeProcesses is device 0's compute list; list has room for 2. */
static unsigned int computeProcesses(nvmlProcessInfo_t *list)
{
    unsigned int n = 0;
    const char *env = getenv("FAKENVML_PID");
    if (env != NULL && *env != '\0') {
        char *end;
        unsigned long pid = strtoul(env, &end, 10);
        if (*end == '\0' && pid > 0) {
            list[n].pid = (unsigned int)pid;
            list[n].usedGpuMemory = 2 * GIB;
            list[n].gpuInstanceId = 0xFFFFFFFF;
            list[n].computeInstanceId = 0xFFFFFFFF;
            n++;
        }
    }
    /* A process whose memory the driver cannot tell (as under WDDM). */
    list[n].pid = 79;
    list[n].usedGpuMemory = 0xFFFFFFFFFFFFFFFFULL; /* NVML_VALUE_NOT_AVAILABLE */
    list[n].gpuInstanceId = 0xFFFFFFFF;
    list[n].computeInstanceId = 0xFFFFFFFF;
    n++;
    return n;
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos)
{
    nvmlReturn_t ret = check(device, infoCount);
    if (ret != NVML_SUCCESS)
        return ret;
    nvmlProcessInfo_t list[2];
    return fillProcesses(infoCount, infos, list, computeProcesses(list));
}

/*
 * The unversioned name fills the shorter nvmlProcessInfo_v1_t entries
 * (drivers before R470 have nothing newer). go-nvml never calls it; the
 * Windows back end's tests do, to check that layout.
 */
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_v1_t *infos)
{
    nvmlReturn_t ret = check(device, infoCount);
    if (ret != NVML_SUCCESS)
        return ret;
    nvmlProcessInfo_t list[2];
    unsigned int n = computeProcesses(list);
    if (*infoCount < n) {
        *infoCount = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    if (infos == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    for (unsigned int i = 0; i < n; i++) {
        infos[i].pid = list[i].pid;
        infos[i].usedGpuMemory = list[i].usedGpuMemory;
    }
    *infoCount = n;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount, nvmlProcessInfo_t *infos)
{
    nvmlReturn_t ret = check(device, infoCount);
    if (ret != NVML_SUCCESS)
        return ret;
    return fillProcesses(infoCount, infos, NULL, 0);
}

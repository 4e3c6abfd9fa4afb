/*
 * bcryptprimitives.dll with only ProcessPrng, for running sysmon.exe under
 * Wine 8 (Debian 12): Go 1.24 and later take their random numbers from
 * ProcessPrng, which Wine's own bcryptprimitives.dll lacks before Wine 9,
 * so the Go runtime aborts at start-up without it. The smoke test puts this
 * DLL into the Wine prefix's system32 and selects it with
 * WINEDLLOVERRIDES=bcryptprimitives=n for sysmon.exe only.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -Wall -Wextra -Werror \
 *       -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>
#include <ntsecapi.h>

/* ProcessPrng fills data with len random bytes; Windows documents that it
 * always returns TRUE, and the Go runtime relies on that. RtlGenRandom
 * (advapi32's SystemFunction036) takes a ULONG length, hence the loop. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, n))
            FatalAppExitA(0, "bcryptprimitives shim: RtlGenRandom failed");
        data += n;
        len -= n;
    }
    return TRUE;
}

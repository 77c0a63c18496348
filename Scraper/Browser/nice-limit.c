/*
 * Preloaded into Chromium by chromium-as-sandbox-user: getrlimit(RLIMIT_NICE) answers 40 (nice may go down to -20).
 *
 * Chromium decides whether it may raise a priority (a renderer brought to the foreground, its GPU process, a thread made
 * a display thread) with base::internal::CanLowerNiceTo: root, or RLIMIT_NICE high enough; it skips the CAP_SYS_NICE
 * check "because it would require libcap". The wrapper gives the browser process CAP_SYS_NICE, so the raise itself
 * works, but RLIMIT_NICE's hard limit stays 0 unless raised with CAP_SYS_RESOURCE, which root here does not have (the
 * container's bounding set drops it). Without this answer the sandbox user's Chromium leaves every process the
 * zygotes start (renderers, the GPU process) at the zygotes' nice 5, and spends ~1.2x root's CPU per
 * page (docs/benchmarks.md). The answer only changes what Chromium asks for; what the kernel allows is unchanged: a
 * sandboxed renderer that tries to raise its own priority still gets EPERM.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int limit_of(int resource, struct rlimit *limit)
{
    if (resource == RLIMIT_NICE) {
        limit->rlim_cur = limit->rlim_max = 40;
        return 0;
    }
    return (int)syscall(SYS_prlimit64, 0, resource, NULL, limit);
}

int getrlimit(__rlimit_resource_t resource, struct rlimit *limit)
{
    return limit_of(resource, limit);
}

/* On 64-bit Linux struct rlimit64 and struct rlimit are the same; Chromium links getrlimit64. */
int getrlimit64(__rlimit_resource_t resource, struct rlimit64 *limit)
{
    return limit_of(resource, (struct rlimit *)limit);
}

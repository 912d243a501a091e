/* librocm_sysdeps_zstd.so.1: forwards the ZSTD_* calls of the rocm-bindings
 * wheel's libLLVM.so (symbol version AMDROCM_SYSDEPS_1.0, zstd.map) to
 * Debian's libzstd.so.1 through dlopen. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
static void *h;
static void *sym(const char *n) {
  if (!h) { h = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
            if (!h) { fprintf(stderr, "zstd shim: %s\n", dlerror()); abort(); } }
  void *p = dlsym(h, n); if (!p) { fprintf(stderr, "zstd shim: %s\n", dlerror()); abort(); }
  return p;
}
#define FWD(ret, name, params, args) \
  ret name params { static ret (*f) params; if (!f) f = (ret (*) params) sym(#name); return f args; }
FWD(size_t, ZSTD_CCtx_setParameter, (void *c, int p, int v), (c, p, v))
FWD(size_t, ZSTD_compress2, (void *c, void *d, size_t dc, const void *s, size_t ss), (c, d, dc, s, ss))
FWD(size_t, ZSTD_compressBound, (size_t s), (s))
FWD(void *, ZSTD_createCCtx, (void), ())
FWD(size_t, ZSTD_decompress, (void *d, size_t dc, const void *s, size_t cs), (d, dc, s, cs))
FWD(size_t, ZSTD_freeCCtx, (void *c), (c))
FWD(const char *, ZSTD_getErrorName, (size_t c), (c))
FWD(unsigned, ZSTD_isError, (size_t c), (c))

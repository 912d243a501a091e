/* librocm_sysdeps_z.so.1: Debian's static zlib (libz.a, linked --whole-archive)
 * re-exported under the AMDROCM_SYSDEPS_1.0 symbol version (z.map) that the
 * rocm-bindings wheel's libLLVM.so asks for. This file only gives the shared
 * object a translation unit of its own. */
void __rocm_sysdeps_dummy(void) {}

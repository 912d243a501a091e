	.amdgcn_target "amdgcn-amd-amdhsa--gfx942"
	.amdhsa_code_object_version 6
	.text
	.protected	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif ; -- Begin function _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.p2align	8
	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif,@function
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif: ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
; %bb.0:                                ; %.19
	s_load_dwordx4 s[12:15], s[0:1], 0x70
	s_load_dwordx2 s[10:11], s[0:1], 0x20
	v_bfe_u32 v38, v0, 10, 10
	v_and_b32_e32 v39, 0x3ff, v0
	v_add_u32_e32 v0, s2, v38
	s_waitcnt lgkmcnt(0)
	v_cvt_f32_u32_e32 v1, s12
	s_sub_i32 s2, 0, s12
	v_lshlrev_b32_e32 v3, 3, v39
	v_lshl_or_b32 v16, v0, 13, v3
	v_rcp_f32_e32 v1, v1
	v_sub_u32_e32 v3, s13, v3
	v_mov_b32_e32 v2, 0xfc00fc00
	v_mov_b32_e32 v6, 0xfc00fc00
	v_mul_f32_e32 v1, 0x4f7ffffe, v1
	v_cvt_u32_f32_e32 v1, v1
	v_mov_b32_e32 v7, 0xfc00fc00
	v_mov_b32_e32 v5, 0xfc00fc00
	v_mul_lo_u32 v4, s2, v1
	v_mul_hi_u32 v4, v1, v4
	v_add_u32_e32 v1, v1, v4
	v_mul_hi_u32 v1, v0, v1
	v_mul_lo_u32 v1, v1, s12
	v_sub_u32_e32 v0, v0, v1
	v_subrev_u32_e32 v1, s12, v0
	v_cmp_le_u32_e32 vcc, s12, v0
	v_mov_b32_e32 v4, 0xfc00fc00
	s_nop 0
	v_cndmask_b32_e32 v0, v0, v1, vcc
	v_subrev_u32_e32 v1, s12, v0
	v_cmp_le_u32_e32 vcc, s12, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v1, vcc
	v_add_u32_e32 v20, v0, v3
	v_cmp_lt_i32_e64 s[8:9], -1, v20
	s_and_saveexec_b64 s[2:3], s[8:9]
	s_cbranch_execz .LBB0_2
; %bb.1:                                ; %B432.i
	v_mov_b32_e32 v17, 0
	v_lshl_add_u64 v[0:1], v[16:17], 1, s[10:11]
	global_load_dwordx4 v[4:7], v[0:1], off
.LBB0_2:                                ; %B4027.i
	s_or_b64 exec, exec, s[2:3]
	s_movk_i32 s2, 0x7ff
	v_cmp_lt_i32_e64 s[6:7], s2, v20
	v_mov_b32_e32 v3, 0xfc00fc00
	v_mov_b32_e32 v0, 0xfc00fc00
	v_mov_b32_e32 v1, 0xfc00fc00
	s_and_saveexec_b64 s[2:3], s[6:7]
	s_cbranch_execz .LBB0_4
; %bb.3:                                ; %B432.1.i
	v_add_u32_e32 v0, 0x800, v16
	v_mov_b32_e32 v1, 0
	v_lshl_add_u64 v[0:1], v[0:1], 1, s[10:11]
	global_load_dwordx4 v[0:3], v[0:1], off
.LBB0_4:                                ; %B4027.1.i
	s_or_b64 exec, exec, s[2:3]
	s_movk_i32 s2, 0xfff
	v_cmp_lt_i32_e64 s[2:3], s2, v20
	v_mov_b32_e32 v10, 0xfc00fc00
	v_mov_b32_e32 v14, 0xfc00fc00
	v_mov_b32_e32 v15, 0xfc00fc00
	v_mov_b32_e32 v12, 0xfc00fc00
	v_mov_b32_e32 v13, 0xfc00fc00
	s_and_saveexec_b64 s[4:5], s[2:3]
	s_cbranch_execz .LBB0_6
; %bb.5:                                ; %B432.2.i
	v_add_u32_e32 v8, 0x1000, v16
	v_mov_b32_e32 v9, 0
	v_lshl_add_u64 v[8:9], v[8:9], 1, s[10:11]
	global_load_dwordx4 v[12:15], v[8:9], off
.LBB0_6:                                ; %B4027.2.i
	s_or_b64 exec, exec, s[4:5]
	s_movk_i32 s4, 0x17ff
	v_cmp_lt_i32_e64 s[4:5], s4, v20
	v_mov_b32_e32 v11, 0xfc00fc00
	v_mov_b32_e32 v8, 0xfc00fc00
	v_mov_b32_e32 v9, 0xfc00fc00
	s_and_saveexec_b64 s[12:13], s[4:5]
	s_cbranch_execz .LBB0_8
; %bb.7:                                ; %B432.3.i
	v_add_u32_e32 v8, 0x1800, v16
	v_mov_b32_e32 v9, 0
	v_lshl_add_u64 v[8:9], v[8:9], 1, s[10:11]
	global_load_dwordx4 v[8:11], v[8:9], off
.LBB0_8:                                ; %B4027.3.i
	s_or_b64 exec, exec, s[12:13]
	s_waitcnt vmcnt(0)
	v_cvt_f32_f16_e32 v21, v5
	v_cvt_f32_f16_sdwa v29, v5 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v28, v4 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_e32 v19, v7
	v_cvt_f32_f16_e32 v18, v6
	v_cvt_f32_f16_sdwa v27, v7 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v26, v6 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cmp_gt_u32_e32 vcc, 7, v20
	s_and_saveexec_b64 s[10:11], vcc
	s_xor_b64 s[10:11], exec, s[10:11]
	s_cbranch_execz .LBB0_10
; %bb.9:                                ; %B1128.preheader.i
	v_mov_b32_e32 v27, 0xff800000
	v_cmp_lt_u32_e32 vcc, 1, v20
	s_nop 1
	v_cndmask_b32_e32 v21, v27, v21, vcc
	v_cmp_lt_u32_e32 vcc, 2, v20
	s_nop 1
	v_cndmask_b32_e32 v29, v27, v29, vcc
	v_cmp_ne_u32_e32 vcc, 0, v20
	s_nop 1
	v_cndmask_b32_e32 v28, v27, v28, vcc
	v_cmp_lt_u32_e32 vcc, 3, v20
	s_nop 1
	v_cndmask_b32_e32 v18, v27, v18, vcc
	v_cmp_lt_u32_e32 vcc, 4, v20
	s_nop 1
	v_cndmask_b32_e32 v26, v27, v26, vcc
	v_cmp_eq_u32_e32 vcc, 6, v20
	s_nop 1
	v_cndmask_b32_e32 v19, v27, v19, vcc
.LBB0_10:                               ; %B1178.i
	s_or_b64 exec, exec, s[10:11]
	v_cvt_f32_f16_e32 v5, v1
	v_cvt_f32_f16_sdwa v31, v1 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v30, v0 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_e32 v7, v3
	v_cvt_f32_f16_e32 v6, v2
	v_cvt_f32_f16_sdwa v3, v3 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v2, v2 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_add_u32_e32 v1, 0xfffff800, v20
	v_cmp_gt_u32_e32 vcc, 7, v1
	s_and_saveexec_b64 s[10:11], vcc
	s_cbranch_execz .LBB0_12
; %bb.11:                               ; %B1128.preheader.1.i
	s_movk_i32 s12, 0x801
	v_mov_b32_e32 v3, 0xff800000
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x802
	s_nop 0
	v_cndmask_b32_e32 v5, v3, v5, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x803
	s_nop 0
	v_cndmask_b32_e32 v31, v3, v31, vcc
	v_cmp_ne_u32_e32 vcc, 0, v1
	s_nop 1
	v_cndmask_b32_e32 v30, v3, v30, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x804
	s_nop 0
	v_cndmask_b32_e32 v6, v3, v6, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_nop 1
	v_cndmask_b32_e32 v2, v3, v2, vcc
	v_cmp_eq_u32_e32 vcc, 6, v1
	s_nop 1
	v_cndmask_b32_e32 v7, v3, v7, vcc
.LBB0_12:                               ; %B1178.1.i
	s_or_b64 exec, exec, s[10:11]
	v_cvt_f32_f16_e32 v25, v13
	v_cvt_f32_f16_sdwa v35, v13 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v34, v12 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_e32 v23, v15
	v_cvt_f32_f16_e32 v22, v14
	v_cvt_f32_f16_sdwa v33, v15 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v32, v14 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_add_u32_e32 v1, 0xfffff000, v20
	v_cmp_gt_u32_e32 vcc, 7, v1
	s_and_saveexec_b64 s[10:11], vcc
	s_cbranch_execz .LBB0_14
; %bb.13:                               ; %B1128.preheader.2.i
	s_movk_i32 s12, 0x1001
	v_mov_b32_e32 v33, 0xff800000
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x1002
	s_nop 0
	v_cndmask_b32_e32 v25, v33, v25, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x1003
	s_nop 0
	v_cndmask_b32_e32 v35, v33, v35, vcc
	v_cmp_ne_u32_e32 vcc, 0, v1
	s_nop 1
	v_cndmask_b32_e32 v34, v33, v34, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x1004
	s_nop 0
	v_cndmask_b32_e32 v22, v33, v22, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_nop 1
	v_cndmask_b32_e32 v32, v33, v32, vcc
	v_cmp_eq_u32_e32 vcc, 6, v1
	s_nop 1
	v_cndmask_b32_e32 v23, v33, v23, vcc
.LBB0_14:                               ; %B1178.2.i
	s_or_b64 exec, exec, s[10:11]
	v_cvt_f32_f16_e32 v13, v9
	v_cvt_f32_f16_sdwa v37, v9 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v36, v8 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_e32 v15, v11
	v_cvt_f32_f16_e32 v14, v10
	v_cvt_f32_f16_sdwa v11, v11 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v10, v10 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_add_u32_e32 v1, 0xffffe800, v20
	v_cmp_gt_u32_e32 vcc, 7, v1
	s_and_saveexec_b64 s[10:11], vcc
	s_cbranch_execz .LBB0_16
; %bb.15:                               ; %B1128.preheader.3.i
	s_movk_i32 s12, 0x1801
	v_mov_b32_e32 v11, 0xff800000
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x1802
	s_nop 0
	v_cndmask_b32_e32 v13, v11, v13, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x1803
	s_nop 0
	v_cndmask_b32_e32 v37, v11, v37, vcc
	v_cmp_ne_u32_e32 vcc, 0, v1
	s_nop 1
	v_cndmask_b32_e32 v36, v11, v36, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_movk_i32 s12, 0x1804
	s_nop 0
	v_cndmask_b32_e32 v14, v11, v14, vcc
	v_cmp_lt_u32_e32 vcc, s12, v20
	s_nop 1
	v_cndmask_b32_e32 v10, v11, v10, vcc
	v_cmp_eq_u32_e32 vcc, 6, v1
	s_nop 1
	v_cndmask_b32_e32 v15, v11, v15, vcc
.LBB0_16:                               ; %B1178.3.i
	s_or_b64 exec, exec, s[10:11]
	v_cvt_f32_f16_e32 v20, v4
	v_cvt_f32_f16_e32 v4, v0
	v_cvt_f32_f16_e32 v24, v12
	v_cvt_f32_f16_e32 v12, v8
	v_max_f32_e32 v1, 0xff800000, v20
	v_cmp_gt_f32_e32 vcc, v28, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v28, vcc
	v_cmp_gt_f32_e32 vcc, v21, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v21, vcc
	v_cmp_gt_f32_e32 vcc, v29, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v29, vcc
	v_cmp_gt_f32_e32 vcc, v18, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v18, vcc
	v_cmp_gt_f32_e32 vcc, v26, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v26, vcc
	v_cmp_gt_f32_e32 vcc, v19, v1
	s_nop 1
	v_cndmask_b32_e32 v0, v1, v19, vcc
	v_cmp_gt_f32_e32 vcc, v27, v0
	v_mbcnt_lo_u32_b32 v1, -1, 0
	v_mbcnt_hi_u32_b32 v40, -1, v1
	v_cndmask_b32_e32 v0, v0, v27, vcc
	v_cmp_lt_f32_e32 vcc, v0, v4
	v_add_u32_e32 v8, 32, v40
	v_xor_b32_e32 v1, 16, v40
	v_cndmask_b32_e32 v0, v0, v4, vcc
	v_cmp_gt_f32_e32 vcc, v30, v0
	v_and_b32_e32 v41, 0xe0, v8
	s_nop 0
	v_cndmask_b32_e32 v0, v0, v30, vcc
	v_cmp_gt_f32_e32 vcc, v5, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v5, vcc
	v_cmp_gt_f32_e32 vcc, v31, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v31, vcc
	v_cmp_gt_f32_e32 vcc, v6, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v6, vcc
	v_cmp_gt_f32_e32 vcc, v2, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v2, vcc
	v_cmp_gt_f32_e32 vcc, v7, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v7, vcc
	v_cmp_gt_f32_e32 vcc, v3, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v3, vcc
	v_cmp_lt_f32_e32 vcc, v0, v24
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v24, vcc
	v_cmp_gt_f32_e32 vcc, v34, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v34, vcc
	v_cmp_gt_f32_e32 vcc, v25, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v25, vcc
	v_cmp_gt_f32_e32 vcc, v35, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v35, vcc
	v_cmp_gt_f32_e32 vcc, v22, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v22, vcc
	v_cmp_gt_f32_e32 vcc, v32, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v32, vcc
	v_cmp_gt_f32_e32 vcc, v23, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v23, vcc
	v_cmp_gt_f32_e32 vcc, v33, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v33, vcc
	v_cmp_lt_f32_e32 vcc, v0, v12
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v12, vcc
	v_cmp_gt_f32_e32 vcc, v36, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v36, vcc
	v_cmp_gt_f32_e32 vcc, v13, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v13, vcc
	v_cmp_gt_f32_e32 vcc, v37, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v37, vcc
	v_cmp_gt_f32_e32 vcc, v14, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v14, vcc
	v_cmp_gt_f32_e32 vcc, v10, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v10, vcc
	v_cmp_gt_f32_e32 vcc, v15, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v15, vcc
	v_cmp_gt_f32_e32 vcc, v11, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v11, vcc
	v_cmp_lt_u32_e32 vcc, v1, v41
	s_nop 1
	v_cndmask_b32_e32 v1, v40, v1, vcc
	v_lshlrev_b32_e32 v1, 2, v1
	ds_bpermute_b32 v8, v1, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v8
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v8, vcc
	v_xor_b32_e32 v8, 8, v40
	v_cmp_lt_u32_e32 vcc, v8, v41
	s_nop 1
	v_cndmask_b32_e32 v8, v40, v8, vcc
	v_lshlrev_b32_e32 v8, 2, v8
	ds_bpermute_b32 v9, v8, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v9
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v9, vcc
	v_xor_b32_e32 v9, 4, v40
	v_cmp_lt_u32_e32 vcc, v9, v41
	s_nop 1
	v_cndmask_b32_e32 v9, v40, v9, vcc
	v_lshlrev_b32_e32 v9, 2, v9
	ds_bpermute_b32 v17, v9, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v17
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v17, vcc
	v_xor_b32_e32 v17, 2, v40
	v_cmp_lt_u32_e32 vcc, v17, v41
	s_nop 1
	v_cndmask_b32_e32 v17, v40, v17, vcc
	v_lshlrev_b32_e32 v17, 2, v17
	ds_bpermute_b32 v42, v17, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v42
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v42, vcc
	v_xor_b32_e32 v42, 1, v40
	v_cmp_lt_u32_e32 vcc, v42, v41
	s_nop 1
	v_cndmask_b32_e32 v40, v40, v42, vcc
	v_lshlrev_b32_e32 v40, 2, v40
	ds_bpermute_b32 v41, v40, v0
	v_and_b32_e32 v42, 31, v39
	v_lshrrev_b32_e32 v39, 5, v39
	v_cmp_eq_u32_e32 vcc, 0, v42
	s_and_saveexec_b64 s[10:11], vcc
	s_xor_b64 s[12:13], exec, s[10:11]
	s_cbranch_execz .LBB0_18
; %bb.17:                               ; %B2434.i
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e64 s[10:11], v0, v41
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v41, s[10:11]
	v_lshlrev_b32_e32 v41, 2, v39
	v_lshl_add_u32 v41, v38, 5, v41
	ds_write_b32 v41, v0
.LBB0_18:                               ; %B2466.i
	s_or_b64 exec, exec, s[12:13]
	v_lshlrev_b32_e32 v38, 5, v38
	s_waitcnt lgkmcnt(0)
	s_barrier
	ds_read2_b32 v[42:43], v38 offset1:1
	ds_read2_b32 v[44:45], v38 offset0:2 offset1:3
	ds_read2_b32 v[46:47], v38 offset0:4 offset1:5
	ds_read2_b32 v[48:49], v38 offset0:6 offset1:7
	v_mov_b32_e32 v41, 0
	s_waitcnt lgkmcnt(3)
	v_cmp_gt_f32_e64 s[10:11], v43, v42
	s_nop 1
	v_cndmask_b32_e64 v0, v42, v43, s[10:11]
	s_waitcnt lgkmcnt(2)
	v_cmp_gt_f32_e64 s[10:11], v44, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v44, s[10:11]
	v_cmp_gt_f32_e64 s[10:11], v45, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v45, s[10:11]
	s_waitcnt lgkmcnt(1)
	v_cmp_gt_f32_e64 s[10:11], v46, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v46, s[10:11]
	v_cmp_gt_f32_e64 s[10:11], v47, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v47, s[10:11]
	s_waitcnt lgkmcnt(0)
	v_cmp_gt_f32_e64 s[10:11], v48, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v48, s[10:11]
	v_cmp_gt_f32_e64 s[10:11], v49, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v49, s[10:11]
	v_mul_f32_e32 v0, s14, v0
	s_and_saveexec_b64 s[16:17], s[8:9]
	s_cbranch_execnz .LBB0_40
; %bb.19:                               ; %B2886.i
	s_or_b64 exec, exec, s[16:17]
	s_and_saveexec_b64 s[16:17], s[6:7]
	s_cbranch_execnz .LBB0_41
.LBB0_20:                               ; %B2886.1.i
	s_or_b64 exec, exec, s[16:17]
	s_and_saveexec_b64 s[16:17], s[2:3]
	s_cbranch_execnz .LBB0_42
.LBB0_21:                               ; %B2886.2.i
	s_or_b64 exec, exec, s[16:17]
	s_and_saveexec_b64 s[16:17], s[4:5]
	s_cbranch_execz .LBB0_23
.LBB0_22:                               ; %B2790.preheader.3.i
	v_pk_mul_f32 v[12:13], s[14:15], v[12:13] op_sel_hi:[0,1]
	v_pk_mul_f32 v[36:37], s[14:15], v[36:37] op_sel_hi:[0,1]
	v_pk_add_f32 v[12:13], v[12:13], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	s_mov_b32 s15, 0xc2fc0000
	v_mov_b32_e32 v42, 0x42800000
	v_cmp_gt_f32_e64 s[10:11], s15, v13
	v_cmp_gt_f32_e64 s[12:13], s15, v12
	v_pk_add_f32 v[36:37], v[36:37], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_cndmask_b32_e64 v43, 0, v42, s[10:11]
	v_add_f32_e32 v13, v13, v43
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v13, v13
	v_add_f32_e32 v12, v12, v44
	v_exp_f32_e32 v12, v12
	v_not_b32_e32 v43, 63
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_ldexp_f32 v13, v13, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v37
	v_ldexp_f32 v12, v12, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v36
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v37, v37, v44
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v37, v37
	v_add_f32_e32 v36, v36, v44
	v_exp_f32_e32 v36, v36
	v_pk_mul_f32 v[14:15], s[14:15], v[14:15] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_pk_add_f32 v[14:15], v[14:15], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v37, v37, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v15
	v_ldexp_f32 v36, v36, v44
	v_pk_mul_f32 v[10:11], s[14:15], v[10:11] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v15, v15, v44
	v_exp_f32_e32 v15, v15
	v_cmp_gt_f32_e64 s[12:13], s15, v14
	v_pk_add_f32 v[10:11], v[10:11], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_add_f32_e32 v41, v12, v41
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_add_f32_e32 v14, v14, v44
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_cmp_gt_f32_e64 s[10:11], s15, v11
	v_ldexp_f32 v15, v15, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cndmask_b32_e64 v0, 0, v42, s[10:11]
	v_cmp_gt_f32_e64 s[12:13], s15, v10
	v_add_f32_e32 v0, v11, v0
	v_exp_f32_e32 v14, v14
	v_cndmask_b32_e64 v11, 0, v42, s[12:13]
	v_exp_f32_e32 v0, v0
	v_add_f32_e32 v10, v10, v11
	v_exp_f32_e32 v10, v10
	v_add_f32_e32 v41, v36, v41
	v_add_f32_e32 v41, v13, v41
	v_cndmask_b32_e64 v11, 0, v43, s[10:11]
	v_add_f32_e32 v41, v37, v41
	v_ldexp_f32 v14, v14, v44
	v_ldexp_f32 v11, v0, v11
	v_cndmask_b32_e64 v0, 0, v43, s[12:13]
	v_add_f32_e32 v41, v14, v41
	v_ldexp_f32 v10, v10, v0
	v_add_f32_e32 v0, v10, v41
	v_add_f32_e32 v0, v15, v0
	v_add_f32_e32 v41, v11, v0
.LBB0_23:                               ; %B2886.3.i
	s_or_b64 exec, exec, s[16:17]
	ds_bpermute_b32 v0, v1, v41
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v41, v0
	ds_bpermute_b32 v1, v8, v0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	ds_bpermute_b32 v1, v9, v0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	ds_bpermute_b32 v1, v17, v0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	ds_bpermute_b32 v1, v40, v0
	s_and_saveexec_b64 s[10:11], vcc
	s_cbranch_execz .LBB0_25
; %bb.24:                               ; %B3022.i
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	v_lshl_add_u32 v1, v39, 2, v38
	ds_write_b32 v1, v0 offset:32
.LBB0_25:                               ; %B3074.i
	s_or_b64 exec, exec, s[10:11]
	s_waitcnt lgkmcnt(0)
	s_barrier
	ds_read2_b32 v[0:1], v38 offset0:8 offset1:9
	ds_read2_b32 v[8:9], v38 offset0:10 offset1:11
	ds_read2_b32 v[40:41], v38 offset0:12 offset1:13
	ds_read2_b32 v[38:39], v38 offset0:14 offset1:15
	s_load_dwordx2 s[0:1], s[0:1], 0x58
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	v_add_f32_e32 v0, v0, v8
	v_add_f32_e32 v0, v0, v9
	v_add_f32_e32 v0, v0, v40
	v_add_f32_e32 v0, v0, v41
	v_add_f32_e32 v0, v0, v38
	v_add_f32_e32 v0, v0, v39
	v_div_scale_f32 v1, s[10:11], v0, v0, 1.0
	v_rcp_f32_e32 v8, v1
	s_nop 0
	v_fma_f32 v9, -v1, v8, 1.0
	v_fmac_f32_e32 v8, v9, v8
	v_div_scale_f32 v9, vcc, 1.0, v0, 1.0
	v_mul_f32_e32 v17, v9, v8
	v_fma_f32 v38, -v1, v17, v9
	v_fmac_f32_e32 v17, v38, v8
	v_fma_f32 v1, -v1, v17, v9
	v_div_fmas_f32 v1, v1, v8, v17
	v_div_fixup_f32 v8, v1, v0, 1.0
	s_and_saveexec_b64 s[10:11], s[8:9]
	s_xor_b64 s[8:9], exec, s[10:11]
	s_cbranch_execz .LBB0_27
; %bb.26:                               ; %B3566.i
	v_pk_mul_f32 v[0:1], v[20:21], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[20:21], v[28:29], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v9, v0
	v_cvt_f16_f32_e32 v28, v1
	v_pk_mul_f32 v[0:1], v[18:19], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[18:19], v[26:27], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v29, v20
	v_cvt_f16_f32_e32 v38, v21
	v_cvt_f16_f32_e32 v20, v0
	v_cvt_f16_f32_e32 v21, v1
	v_cvt_f16_f32_e32 v18, v18
	v_cvt_f16_f32_e32 v19, v19
	v_mov_b32_e32 v17, 0
	s_mov_b32 s10, 0x5040100
	v_lshl_add_u64 v[0:1], v[16:17], 1, s[0:1]
	v_perm_b32 v17, v19, v18, s10
	v_perm_b32 v18, v21, v20, s10
	s_mov_b32 s11, 0x3020706
	s_mov_b32 s12, 0x1000504
	v_perm_b32 v21, v18, v17, s11
	v_perm_b32 v20, v18, v17, s12
	v_perm_b32 v17, v38, v29, s10
	v_perm_b32 v9, v28, v9, s10
	v_perm_b32 v19, v9, v17, s11
	v_perm_b32 v18, v9, v17, s12
	global_store_dwordx4 v[0:1], v[18:21], off
.LBB0_27:                               ; %Flow90
	s_andn2_saveexec_b64 s[8:9], s[8:9]
	s_cbranch_execz .LBB0_29
; %bb.28:                               ; %B3916.i
	v_mov_b32_e32 v17, 0
	v_lshl_add_u64 v[0:1], v[16:17], 1, s[0:1]
	v_mov_b32_e32 v18, v17
	v_mov_b32_e32 v19, v17
	v_mov_b32_e32 v20, v17
	v_mov_b32_e32 v21, v17
	global_store_dwordx4 v[0:1], v[18:21], off
.LBB0_29:                               ; %B4025.i
	s_or_b64 exec, exec, s[8:9]
	v_add_u32_e32 v0, 0x800, v16
	s_and_saveexec_b64 s[8:9], s[6:7]
	s_xor_b64 s[6:7], exec, s[8:9]
	s_cbranch_execz .LBB0_31
; %bb.30:                               ; %B3566.1.i
	v_pk_mul_f32 v[4:5], v[4:5], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[18:19], v[30:31], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v9, v4
	v_cvt_f16_f32_e32 v17, v5
	v_pk_mul_f32 v[4:5], v[6:7], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[2:3], v[2:3], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v6, v4
	v_cvt_f16_f32_e32 v7, v5
	v_cvt_f16_f32_e32 v2, v2
	v_cvt_f16_f32_e32 v3, v3
	v_cvt_f16_f32_e32 v18, v18
	v_cvt_f16_f32_e32 v19, v19
	v_mov_b32_e32 v1, 0
	s_mov_b32 s8, 0x5040100
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_perm_b32 v0, v3, v2, s8
	v_perm_b32 v1, v7, v6, s8
	s_mov_b32 s9, 0x3020706
	s_mov_b32 s10, 0x1000504
	v_perm_b32 v3, v1, v0, s9
	v_perm_b32 v2, v1, v0, s10
	v_perm_b32 v0, v19, v18, s8
	v_perm_b32 v6, v17, v9, s8
	v_perm_b32 v1, v6, v0, s9
	v_perm_b32 v0, v6, v0, s10
	global_store_dwordx4 v[4:5], v[0:3], off
                                        ; implicit-def: $vgpr0
.LBB0_31:                               ; %Flow89
	s_andn2_saveexec_b64 s[6:7], s[6:7]
	s_cbranch_execz .LBB0_33
; %bb.32:                               ; %B3916.1.i
	v_mov_b32_e32 v1, 0
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_mov_b32_e32 v0, v1
	v_mov_b32_e32 v2, v1
	v_mov_b32_e32 v3, v1
	global_store_dwordx4 v[4:5], v[0:3], off
.LBB0_33:                               ; %B4025.1.i
	s_or_b64 exec, exec, s[6:7]
	s_nop 0
	v_add_u32_e32 v0, 0x1000, v16
	s_and_saveexec_b64 s[6:7], s[2:3]
	s_xor_b64 s[2:3], exec, s[6:7]
	s_cbranch_execz .LBB0_35
; %bb.34:                               ; %B3566.2.i
	v_pk_mul_f32 v[2:3], v[24:25], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[4:5], v[34:35], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v6, v2
	v_cvt_f16_f32_e32 v7, v3
	v_cvt_f16_f32_e32 v9, v4
	v_cvt_f16_f32_e32 v17, v5
	v_pk_mul_f32 v[2:3], v[22:23], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[4:5], v[32:33], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v2, v2
	v_cvt_f16_f32_e32 v3, v3
	v_cvt_f16_f32_e32 v18, v4
	v_cvt_f16_f32_e32 v19, v5
	v_mov_b32_e32 v1, 0
	s_mov_b32 s6, 0x5040100
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_perm_b32 v0, v19, v18, s6
	v_perm_b32 v1, v3, v2, s6
	s_mov_b32 s7, 0x3020706
	s_mov_b32 s8, 0x1000504
	v_perm_b32 v3, v1, v0, s7
	v_perm_b32 v2, v1, v0, s8
	v_perm_b32 v0, v17, v9, s6
	v_perm_b32 v6, v7, v6, s6
	v_perm_b32 v1, v6, v0, s7
	v_perm_b32 v0, v6, v0, s8
	global_store_dwordx4 v[4:5], v[0:3], off
                                        ; implicit-def: $vgpr0
.LBB0_35:                               ; %Flow88
	s_andn2_saveexec_b64 s[2:3], s[2:3]
	s_cbranch_execz .LBB0_37
; %bb.36:                               ; %B3916.2.i
	v_mov_b32_e32 v1, 0
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_mov_b32_e32 v0, v1
	v_mov_b32_e32 v2, v1
	v_mov_b32_e32 v3, v1
	global_store_dwordx4 v[4:5], v[0:3], off
.LBB0_37:                               ; %B4025.2.i
	s_or_b64 exec, exec, s[2:3]
	s_nop 0
	v_add_u32_e32 v0, 0x1800, v16
	s_and_saveexec_b64 s[2:3], s[4:5]
	s_xor_b64 s[2:3], exec, s[2:3]
	s_cbranch_execnz .LBB0_43
; %bb.38:                               ; %Flow
	s_andn2_saveexec_b64 s[2:3], s[2:3]
	s_cbranch_execnz .LBB0_44
.LBB0_39:                               ; %_ZN11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.exit
	s_endpgm
.LBB0_40:                               ; %B2790.preheader.i
	v_pk_mul_f32 v[20:21], s[14:15], v[20:21] op_sel_hi:[0,1]
	v_pk_mul_f32 v[28:29], s[14:15], v[28:29] op_sel_hi:[0,1]
	v_pk_add_f32 v[20:21], v[20:21], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	s_mov_b32 s15, 0xc2fc0000
	v_mov_b32_e32 v41, 0x42800000
	v_cmp_gt_f32_e64 s[10:11], s15, v21
	v_cmp_gt_f32_e64 s[12:13], s15, v20
	v_pk_add_f32 v[28:29], v[28:29], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_cndmask_b32_e64 v42, 0, v41, s[10:11]
	v_add_f32_e32 v21, v21, v42
	v_cndmask_b32_e64 v43, 0, v41, s[12:13]
	v_exp_f32_e32 v21, v21
	v_add_f32_e32 v20, v20, v43
	v_exp_f32_e32 v20, v20
	v_not_b32_e32 v42, 63
	v_cndmask_b32_e64 v43, 0, v42, s[10:11]
	v_ldexp_f32 v21, v21, v43
	v_cndmask_b32_e64 v43, 0, v42, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v29
	v_ldexp_f32 v20, v20, v43
	v_cmp_gt_f32_e64 s[12:13], s15, v28
	v_cndmask_b32_e64 v43, 0, v41, s[10:11]
	v_add_f32_e32 v29, v29, v43
	v_cndmask_b32_e64 v43, 0, v41, s[12:13]
	v_exp_f32_e32 v29, v29
	v_add_f32_e32 v28, v28, v43
	v_exp_f32_e32 v28, v28
	v_pk_mul_f32 v[18:19], s[14:15], v[18:19] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v43, 0, v42, s[10:11]
	v_pk_add_f32 v[18:19], v[18:19], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v29, v29, v43
	v_cndmask_b32_e64 v43, 0, v42, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v19
	v_ldexp_f32 v28, v28, v43
	v_cmp_gt_f32_e64 s[12:13], s15, v18
	v_cndmask_b32_e64 v43, 0, v41, s[10:11]
	v_add_f32_e32 v19, v19, v43
	v_cndmask_b32_e64 v43, 0, v41, s[12:13]
	v_exp_f32_e32 v19, v19
	v_add_f32_e32 v18, v18, v43
	v_exp_f32_e32 v18, v18
	v_pk_mul_f32 v[26:27], s[14:15], v[26:27] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v43, 0, v42, s[10:11]
	v_pk_add_f32 v[26:27], v[26:27], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v19, v19, v43
	v_cndmask_b32_e64 v43, 0, v42, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v27
	v_ldexp_f32 v18, v18, v43
	v_cmp_gt_f32_e64 s[12:13], s15, v26
	v_cndmask_b32_e64 v43, 0, v41, s[10:11]
	v_add_f32_e32 v27, v27, v43
	v_cndmask_b32_e64 v41, 0, v41, s[12:13]
	v_exp_f32_e32 v27, v27
	v_add_f32_e32 v26, v26, v41
	v_exp_f32_e32 v26, v26
	v_cndmask_b32_e64 v41, 0, v42, s[10:11]
	v_ldexp_f32 v27, v27, v41
	v_cndmask_b32_e64 v41, 0, v42, s[12:13]
	v_ldexp_f32 v26, v26, v41
	v_add_f32_e32 v41, v20, v28
	v_add_f32_e32 v41, v21, v41
	v_add_f32_e32 v41, v29, v41
	v_add_f32_e32 v41, v18, v41
	v_add_f32_e32 v41, v26, v41
	v_add_f32_e32 v41, v19, v41
	v_add_f32_e32 v41, v27, v41
	s_or_b64 exec, exec, s[16:17]
	s_and_saveexec_b64 s[16:17], s[6:7]
	s_cbranch_execz .LBB0_20
.LBB0_41:                               ; %B2790.preheader.1.i
	v_pk_mul_f32 v[4:5], s[14:15], v[4:5] op_sel_hi:[0,1]
	v_pk_mul_f32 v[30:31], s[14:15], v[30:31] op_sel_hi:[0,1]
	v_pk_add_f32 v[4:5], v[4:5], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	s_mov_b32 s15, 0xc2fc0000
	v_mov_b32_e32 v42, 0x42800000
	v_cmp_gt_f32_e64 s[10:11], s15, v5
	v_cmp_gt_f32_e64 s[12:13], s15, v4
	v_pk_add_f32 v[30:31], v[30:31], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_cndmask_b32_e64 v43, 0, v42, s[10:11]
	v_add_f32_e32 v5, v5, v43
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v5, v5
	v_add_f32_e32 v4, v4, v44
	v_exp_f32_e32 v4, v4
	v_not_b32_e32 v43, 63
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_ldexp_f32 v5, v5, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v31
	v_ldexp_f32 v4, v4, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v30
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v31, v31, v44
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v31, v31
	v_add_f32_e32 v30, v30, v44
	v_exp_f32_e32 v30, v30
	v_pk_mul_f32 v[6:7], s[14:15], v[6:7] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_pk_add_f32 v[6:7], v[6:7], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v31, v31, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v7
	v_ldexp_f32 v30, v30, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v6
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v7, v7, v44
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v7, v7
	v_add_f32_e32 v6, v6, v44
	v_exp_f32_e32 v6, v6
	v_pk_mul_f32 v[2:3], s[14:15], v[2:3] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_pk_add_f32 v[2:3], v[2:3], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v7, v7, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v3
	v_ldexp_f32 v6, v6, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v2
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v3, v3, v44
	v_cndmask_b32_e64 v42, 0, v42, s[12:13]
	v_exp_f32_e32 v3, v3
	v_add_f32_e32 v2, v2, v42
	v_add_f32_e32 v41, v4, v41
	v_exp_f32_e32 v2, v2
	v_add_f32_e32 v41, v30, v41
	v_add_f32_e32 v41, v5, v41
	v_cndmask_b32_e64 v42, 0, v43, s[10:11]
	v_add_f32_e32 v41, v31, v41
	v_ldexp_f32 v3, v3, v42
	v_cndmask_b32_e64 v42, 0, v43, s[12:13]
	v_add_f32_e32 v41, v6, v41
	v_ldexp_f32 v2, v2, v42
	v_add_f32_e32 v41, v2, v41
	v_add_f32_e32 v41, v7, v41
	v_add_f32_e32 v41, v3, v41
	s_or_b64 exec, exec, s[16:17]
	s_and_saveexec_b64 s[16:17], s[2:3]
	s_cbranch_execz .LBB0_21
.LBB0_42:                               ; %B2790.preheader.2.i
	v_pk_mul_f32 v[24:25], s[14:15], v[24:25] op_sel_hi:[0,1]
	v_pk_mul_f32 v[34:35], s[14:15], v[34:35] op_sel_hi:[0,1]
	v_pk_add_f32 v[24:25], v[24:25], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	s_mov_b32 s15, 0xc2fc0000
	v_mov_b32_e32 v42, 0x42800000
	v_cmp_gt_f32_e64 s[10:11], s15, v25
	v_cmp_gt_f32_e64 s[12:13], s15, v24
	v_pk_add_f32 v[34:35], v[34:35], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_cndmask_b32_e64 v43, 0, v42, s[10:11]
	v_add_f32_e32 v25, v25, v43
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v25, v25
	v_add_f32_e32 v24, v24, v44
	v_exp_f32_e32 v24, v24
	v_not_b32_e32 v43, 63
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_ldexp_f32 v25, v25, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v35
	v_ldexp_f32 v24, v24, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v34
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v35, v35, v44
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v35, v35
	v_add_f32_e32 v34, v34, v44
	v_exp_f32_e32 v34, v34
	v_pk_mul_f32 v[22:23], s[14:15], v[22:23] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_pk_add_f32 v[22:23], v[22:23], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v35, v35, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v23
	v_ldexp_f32 v34, v34, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v22
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v23, v23, v44
	v_cndmask_b32_e64 v44, 0, v42, s[12:13]
	v_exp_f32_e32 v23, v23
	v_add_f32_e32 v22, v22, v44
	v_exp_f32_e32 v22, v22
	v_pk_mul_f32 v[32:33], s[14:15], v[32:33] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v44, 0, v43, s[10:11]
	v_pk_add_f32 v[32:33], v[32:33], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v23, v23, v44
	v_cndmask_b32_e64 v44, 0, v43, s[12:13]
	v_cmp_gt_f32_e64 s[10:11], s15, v33
	v_ldexp_f32 v22, v22, v44
	v_cmp_gt_f32_e64 s[12:13], s15, v32
	v_cndmask_b32_e64 v44, 0, v42, s[10:11]
	v_add_f32_e32 v33, v33, v44
	v_cndmask_b32_e64 v42, 0, v42, s[12:13]
	v_exp_f32_e32 v33, v33
	v_add_f32_e32 v32, v32, v42
	v_add_f32_e32 v41, v24, v41
	v_exp_f32_e32 v32, v32
	v_add_f32_e32 v41, v34, v41
	v_add_f32_e32 v41, v25, v41
	v_cndmask_b32_e64 v42, 0, v43, s[10:11]
	v_add_f32_e32 v41, v35, v41
	v_ldexp_f32 v33, v33, v42
	v_cndmask_b32_e64 v42, 0, v43, s[12:13]
	v_add_f32_e32 v41, v22, v41
	v_ldexp_f32 v32, v32, v42
	v_add_f32_e32 v41, v32, v41
	v_add_f32_e32 v41, v23, v41
	v_add_f32_e32 v41, v33, v41
	s_or_b64 exec, exec, s[16:17]
	s_and_saveexec_b64 s[16:17], s[4:5]
	s_cbranch_execnz .LBB0_22
	s_branch .LBB0_23
.LBB0_43:                               ; %B3566.3.i
	v_pk_mul_f32 v[2:3], v[12:13], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[4:5], v[36:37], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v6, v2
	v_cvt_f16_f32_e32 v7, v3
	v_cvt_f16_f32_e32 v9, v4
	v_cvt_f16_f32_e32 v12, v5
	v_pk_mul_f32 v[2:3], v[14:15], v[8:9] op_sel_hi:[1,0]
	v_pk_mul_f32 v[4:5], v[10:11], v[8:9] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v2, v2
	v_cvt_f16_f32_e32 v3, v3
	v_cvt_f16_f32_e32 v8, v4
	v_cvt_f16_f32_e32 v10, v5
	v_mov_b32_e32 v1, 0
	s_mov_b32 s4, 0x5040100
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_perm_b32 v0, v10, v8, s4
	v_perm_b32 v1, v3, v2, s4
	s_mov_b32 s5, 0x3020706
	s_mov_b32 s6, 0x1000504
	v_perm_b32 v3, v1, v0, s5
	v_perm_b32 v2, v1, v0, s6
	v_perm_b32 v0, v12, v9, s4
	v_perm_b32 v6, v7, v6, s4
	v_perm_b32 v1, v6, v0, s5
	v_perm_b32 v0, v6, v0, s6
	global_store_dwordx4 v[4:5], v[0:3], off
                                        ; implicit-def: $vgpr0
	s_andn2_saveexec_b64 s[2:3], s[2:3]
	s_cbranch_execz .LBB0_39
.LBB0_44:                               ; %B3916.3.i
	v_mov_b32_e32 v1, 0
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_mov_b32_e32 v0, v1
	v_mov_b32_e32 v2, v1
	v_mov_b32_e32 v3, v1
	global_store_dwordx4 v[4:5], v[0:3], off
	s_endpgm
.Lfunc_end0:
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif, .Lfunc_end0-_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.section	.rodata,"a",@progbits
	.p2align	6, 0x0
	.amdhsa_kernel _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
		.amdhsa_group_segment_fixed_size 64
		.amdhsa_private_segment_fixed_size 0
		.amdhsa_kernarg_size 124
		.amdhsa_user_sgpr_count 2
		.amdhsa_user_sgpr_dispatch_ptr 0
		.amdhsa_user_sgpr_queue_ptr 0
		.amdhsa_user_sgpr_kernarg_segment_ptr 1
		.amdhsa_user_sgpr_dispatch_id 0
		.amdhsa_user_sgpr_kernarg_preload_length 0
		.amdhsa_user_sgpr_kernarg_preload_offset 0
		.amdhsa_user_sgpr_private_segment_size 0
		.amdhsa_uses_dynamic_stack 0
		.amdhsa_enable_private_segment 0
		.amdhsa_system_sgpr_workgroup_id_x 1
		.amdhsa_system_sgpr_workgroup_id_y 0
		.amdhsa_system_sgpr_workgroup_id_z 0
		.amdhsa_system_sgpr_workgroup_info 0
		.amdhsa_system_vgpr_workitem_id 1
		.amdhsa_next_free_vgpr 50
		.amdhsa_next_free_sgpr 18
		.amdhsa_accum_offset 52
		.amdhsa_reserve_vcc 1
		.amdhsa_float_round_mode_32 0
		.amdhsa_float_round_mode_16_64 0
		.amdhsa_float_denorm_mode_32 3
		.amdhsa_float_denorm_mode_16_64 3
		.amdhsa_dx10_clamp 1
		.amdhsa_ieee_mode 1
		.amdhsa_fp16_overflow 0
		.amdhsa_tg_split 0
		.amdhsa_exception_fp_ieee_invalid_op 0
		.amdhsa_exception_fp_denorm_src 0
		.amdhsa_exception_fp_ieee_div_zero 0
		.amdhsa_exception_fp_ieee_overflow 0
		.amdhsa_exception_fp_ieee_underflow 0
		.amdhsa_exception_fp_ieee_inexact 0
		.amdhsa_exception_int_div_zero 0
	.end_amdhsa_kernel
	.text
                                        ; -- End function
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.num_vgpr, 50
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.num_agpr, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.numbered_sgpr, 18
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.num_named_barrier, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.private_seg_size, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.uses_vcc, 1
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.uses_flat_scratch, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.has_dyn_sized_stack, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.has_recursion, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.has_indirect_call, 0
	.section	.AMDGPU.csdata,"",@progbits
; Kernel info:
; codeLenInByte = 5072
; TotalNumSgprs: 24
; NumVgprs: 50
; NumAgprs: 0
; TotalNumVgprs: 50
; ScratchSize: 0
; MemoryBound: 0
; FloatMode: 240
; IeeeMode: 1
; LDSByteSize: 64 bytes/workgroup (compile time only)
; SGPRBlocks: 2
; VGPRBlocks: 6
; NumSGPRsForWavesPerEU: 24
; NumVGPRsForWavesPerEU: 50
; AccumOffset: 52
; Occupancy: 8
; WaveLimiterHint : 1
; COMPUTE_PGM_RSRC2:SCRATCH_EN: 0
; COMPUTE_PGM_RSRC2:USER_SGPR: 2
; COMPUTE_PGM_RSRC2:TRAP_HANDLER: 0
; COMPUTE_PGM_RSRC2:TGID_X_EN: 1
; COMPUTE_PGM_RSRC2:TGID_Y_EN: 0
; COMPUTE_PGM_RSRC2:TGID_Z_EN: 0
; COMPUTE_PGM_RSRC2:TIDIG_COMP_CNT: 1
; COMPUTE_PGM_RSRC3_GFX90A:ACCUM_OFFSET: 12
; COMPUTE_PGM_RSRC3_GFX90A:TG_SPLIT: 0
	.text
	.p2alignl 6, 3212836864
	.fill 256, 4, 3212836864
	.section	.AMDGPU.gpr_maximums,"",@progbits
	.set amdgpu.max_num_vgpr, 0
	.set amdgpu.max_num_agpr, 0
	.set amdgpu.max_num_sgpr, 0
	.set amdgpu.max_num_named_barrier, 0
	.text
	.protected	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE ; @_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE
	.type	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE,"aG",@progbits,_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE,comdat
	.weak	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE
_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1xE, 1

	.protected	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE ; @_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE
	.type	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE,"aG",@progbits,_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE,comdat
	.weak	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE
_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1yE, 1

	.protected	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE ; @_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE
	.type	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE,"aG",@progbits,_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE,comdat
	.weak	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE
_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI15__HIP_ThreadIdxE1zE, 1

	.protected	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE ; @_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE
	.type	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE,"aG",@progbits,_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE,comdat
	.weak	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE
_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1xE, 1

	.protected	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE ; @_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE
	.type	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE,"aG",@progbits,_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE,comdat
	.weak	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE
_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1yE, 1

	.protected	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE ; @_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE
	.type	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE,"aG",@progbits,_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE,comdat
	.weak	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE
_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI14__HIP_BlockIdxE1zE, 1

	.protected	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE ; @_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE
	.type	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE,"aG",@progbits,_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE,comdat
	.weak	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE
_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1xE, 1

	.protected	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE ; @_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE
	.type	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE,"aG",@progbits,_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE,comdat
	.weak	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE
_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1yE, 1

	.protected	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE ; @_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE
	.type	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE,"aG",@progbits,_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE,comdat
	.weak	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE
_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI14__HIP_BlockDimE1zE, 1

	.protected	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE ; @_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE
	.type	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE,"aG",@progbits,_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE,comdat
	.weak	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE
_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1xE, 1

	.protected	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE ; @_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE
	.type	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE,"aG",@progbits,_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE,comdat
	.weak	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE
_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1yE, 1

	.protected	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE ; @_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE
	.type	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE,@object
	.section	.rodata._ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE,"aG",@progbits,_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE,comdat
	.weak	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE
_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE:
	.zero	1
	.size	_ZN17__HIP_CoordinatesI13__HIP_GridDimE1zE, 1

	.type	_ZN08NumbaEnv14lab_intrinsics12warp_sum_hipB3v33B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,@object ; @_ZN08NumbaEnv14lab_intrinsics12warp_sum_hipB3v33B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf
	.comm	_ZN08NumbaEnv14lab_intrinsics12warp_sum_hipB3v33B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,8,3
	.type	_ZN08NumbaEnv14lab_intrinsics12warp_max_hipB3v32B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,@object ; @_ZN08NumbaEnv14lab_intrinsics12warp_max_hipB3v32B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf
	.comm	_ZN08NumbaEnv14lab_intrinsics12warp_max_hipB3v32B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,8,3
	.type	_ZN08NumbaEnv11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif,@object ; @_ZN08NumbaEnv11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.comm	_ZN08NumbaEnv11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif,8,3
	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__
	.section	.bss,"aw",@nobits
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__, 4

	.ident	"Debian clang version 15.0.6"
	.ident	"Debian clang version 15.0.5"
	.section	".note.GNU-stack","",@progbits
	.amdgpu_metadata
---
amdhsa.kernels:
  - .agpr_count:     0
    .args:
      - .address_space:  generic
        .name:           !str '.1'
        .offset:         0
        .size:           8
        .value_kind:     global_buffer
      - .address_space:  generic
        .name:           !str '.2'
        .offset:         8
        .size:           8
        .value_kind:     global_buffer
      - .name:           !str '.3'
        .offset:         16
        .size:           8
        .value_kind:     by_value
      - .name:           !str '.4'
        .offset:         24
        .size:           8
        .value_kind:     by_value
      - .address_space:  generic
        .name:           !str '.5'
        .offset:         32
        .size:           8
        .value_kind:     global_buffer
      - .name:           !str '.6'
        .offset:         40
        .size:           8
        .value_kind:     by_value
      - .name:           !str '.7'
        .offset:         48
        .size:           8
        .value_kind:     by_value
      - .address_space:  generic
        .name:           !str '.8'
        .offset:         56
        .size:           8
        .value_kind:     global_buffer
      - .address_space:  generic
        .name:           !str '.9'
        .offset:         64
        .size:           8
        .value_kind:     global_buffer
      - .name:           !str '.10'
        .offset:         72
        .size:           8
        .value_kind:     by_value
      - .name:           !str '.11'
        .offset:         80
        .size:           8
        .value_kind:     by_value
      - .address_space:  generic
        .name:           !str '.12'
        .offset:         88
        .size:           8
        .value_kind:     global_buffer
      - .name:           !str '.13'
        .offset:         96
        .size:           8
        .value_kind:     by_value
      - .name:           !str '.14'
        .offset:         104
        .size:           8
        .value_kind:     by_value
      - .name:           !str '.15'
        .offset:         112
        .size:           4
        .value_kind:     by_value
      - .name:           !str '.16'
        .offset:         116
        .size:           4
        .value_kind:     by_value
      - .name:           !str '.17'
        .offset:         120
        .size:           4
        .value_kind:     by_value
    .gfx1250_revision: B0
    .group_segment_fixed_size: 64
    .kernarg_segment_align: 8
    .kernarg_segment_size: 124
    .language:       OpenCL C
    .language_version:
      - 2
      - 0
    .max_flat_workgroup_size: 1024
    .name:           _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
    .private_segment_fixed_size: 0
    .sgpr_count:     24
    .sgpr_spill_count: 0
    .symbol:         _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t256_r1_c4B3v31B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.kd
    .uses_dynamic_stack: false
    .vgpr_count:     50
    .vgpr_spill_count: 0
    .wavefront_size: 64
amdhsa.target:   amdgcn-amd-amdhsa--gfx942
amdhsa.version:
  - 1
  - 2
...

	.end_amdgpu_metadata

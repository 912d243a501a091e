	.amdgcn_target "amdgcn-amd-amdhsa--gfx942"
	.amdhsa_code_object_version 6
	.text
	.protected	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif ; -- Begin function _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.p2align	8
	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif,@function
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif: ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
; %bb.0:                                ; %.19
	s_load_dwordx4 s[8:11], s[0:1], 0x70
	s_load_dwordx2 s[6:7], s[0:1], 0x20
	v_bfe_u32 v20, v0, 10, 10
	v_and_b32_e32 v21, 0x3ff, v0
	v_lshl_add_u32 v0, s2, 1, v20
	s_waitcnt lgkmcnt(0)
	v_cvt_f32_u32_e32 v1, s8
	s_sub_i32 s2, 0, s8
	v_lshlrev_b32_e32 v2, 3, v21
	v_lshl_add_u32 v8, v0, 11, v2
	v_rcp_f32_e32 v1, v1
	v_sub_u32_e32 v2, s9, v2
	s_movk_i32 s11, 0x3ff
	v_mov_b32_e32 v6, 0xfc00fc00
	v_mul_f32_e32 v1, 0x4f7ffffe, v1
	v_cvt_u32_f32_e32 v1, v1
	v_mov_b32_e32 v7, 0xfc00fc00
	v_mov_b32_e32 v4, 0xfc00fc00
	v_mov_b32_e32 v5, 0xfc00fc00
	v_mul_lo_u32 v3, s2, v1
	v_mul_hi_u32 v3, v1, v3
	v_add_u32_e32 v1, v1, v3
	v_mul_hi_u32 v1, v0, v1
	v_mul_lo_u32 v1, v1, s8
	v_sub_u32_e32 v0, v0, v1
	v_subrev_u32_e32 v1, s8, v0
	v_cmp_le_u32_e32 vcc, s8, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v1, vcc
	v_subrev_u32_e32 v1, s8, v0
	v_cmp_le_u32_e32 vcc, s8, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v1, vcc
	v_add_u32_e32 v12, v0, v2
	v_cmp_lt_i32_e64 s[4:5], -1, v12
	v_mov_b32_e32 v2, 0xfc00fc00
	s_and_saveexec_b64 s[2:3], s[4:5]
	s_cbranch_execz .LBB0_2
; %bb.1:                                ; %B432.i
	v_mov_b32_e32 v9, 0
	v_lshl_add_u64 v[0:1], v[8:9], 1, s[6:7]
	global_load_dwordx4 v[4:7], v[0:1], off
.LBB0_2:                                ; %B4027.i
	s_or_b64 exec, exec, s[2:3]
	v_cmp_lt_i32_e64 s[2:3], s11, v12
	v_mov_b32_e32 v3, 0xfc00fc00
	v_mov_b32_e32 v0, 0xfc00fc00
	v_mov_b32_e32 v1, 0xfc00fc00
	s_and_saveexec_b64 s[8:9], s[2:3]
	s_cbranch_execz .LBB0_4
; %bb.3:                                ; %B432.1.i
	v_add_u32_e32 v0, 0x400, v8
	v_mov_b32_e32 v1, 0
	v_lshl_add_u64 v[0:1], v[0:1], 1, s[6:7]
	global_load_dwordx4 v[0:3], v[0:1], off
.LBB0_4:                                ; %B4027.1.i
	s_or_b64 exec, exec, s[8:9]
	s_waitcnt vmcnt(0)
	v_cvt_f32_f16_e32 v13, v5
	v_cvt_f32_f16_sdwa v17, v5 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v16, v4 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_e32 v11, v7
	v_cvt_f32_f16_e32 v10, v6
	v_cvt_f32_f16_sdwa v15, v7 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v14, v6 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cmp_gt_u32_e32 vcc, 7, v12
	s_and_saveexec_b64 s[6:7], vcc
	s_xor_b64 s[6:7], exec, s[6:7]
	s_cbranch_execz .LBB0_6
; %bb.5:                                ; %B1128.preheader.i
	v_mov_b32_e32 v15, 0xff800000
	v_cmp_lt_u32_e32 vcc, 1, v12
	s_nop 1
	v_cndmask_b32_e32 v13, v15, v13, vcc
	v_cmp_lt_u32_e32 vcc, 2, v12
	s_nop 1
	v_cndmask_b32_e32 v17, v15, v17, vcc
	v_cmp_ne_u32_e32 vcc, 0, v12
	s_nop 1
	v_cndmask_b32_e32 v16, v15, v16, vcc
	v_cmp_lt_u32_e32 vcc, 3, v12
	s_nop 1
	v_cndmask_b32_e32 v10, v15, v10, vcc
	v_cmp_lt_u32_e32 vcc, 4, v12
	s_nop 1
	v_cndmask_b32_e32 v14, v15, v14, vcc
	v_cmp_eq_u32_e32 vcc, 6, v12
	s_nop 1
	v_cndmask_b32_e32 v11, v15, v11, vcc
.LBB0_6:                                ; %B1178.i
	s_or_b64 exec, exec, s[6:7]
	v_cvt_f32_f16_e32 v5, v1
	v_cvt_f32_f16_sdwa v19, v1 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v18, v0 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_e32 v7, v3
	v_cvt_f32_f16_e32 v6, v2
	v_cvt_f32_f16_sdwa v3, v3 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_cvt_f32_f16_sdwa v2, v2 dst_sel:DWORD dst_unused:UNUSED_PAD src0_sel:WORD_1
	v_add_u32_e32 v1, 0xfffffc00, v12
	v_cmp_gt_u32_e32 vcc, 7, v1
	s_and_saveexec_b64 s[6:7], vcc
	s_cbranch_execz .LBB0_8
; %bb.7:                                ; %B1128.preheader.1.i
	s_movk_i32 s8, 0x401
	v_mov_b32_e32 v3, 0xff800000
	v_cmp_lt_u32_e32 vcc, s8, v12
	s_movk_i32 s8, 0x402
	s_nop 0
	v_cndmask_b32_e32 v5, v3, v5, vcc
	v_cmp_lt_u32_e32 vcc, s8, v12
	s_movk_i32 s8, 0x403
	s_nop 0
	v_cndmask_b32_e32 v19, v3, v19, vcc
	v_cmp_ne_u32_e32 vcc, 0, v1
	s_nop 1
	v_cndmask_b32_e32 v18, v3, v18, vcc
	v_cmp_lt_u32_e32 vcc, s8, v12
	s_movk_i32 s8, 0x404
	s_nop 0
	v_cndmask_b32_e32 v6, v3, v6, vcc
	v_cmp_lt_u32_e32 vcc, s8, v12
	s_nop 1
	v_cndmask_b32_e32 v2, v3, v2, vcc
	v_cmp_eq_u32_e32 vcc, 6, v1
	s_nop 1
	v_cndmask_b32_e32 v7, v3, v7, vcc
.LBB0_8:                                ; %B1178.1.i
	s_or_b64 exec, exec, s[6:7]
	v_cvt_f32_f16_e32 v12, v4
	v_cvt_f32_f16_e32 v4, v0
	v_max_f32_e32 v1, 0xff800000, v12
	v_cmp_gt_f32_e32 vcc, v16, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v16, vcc
	v_cmp_gt_f32_e32 vcc, v13, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v13, vcc
	v_cmp_gt_f32_e32 vcc, v17, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v17, vcc
	v_cmp_gt_f32_e32 vcc, v10, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v10, vcc
	v_cmp_gt_f32_e32 vcc, v14, v1
	s_nop 1
	v_cndmask_b32_e32 v1, v1, v14, vcc
	v_cmp_gt_f32_e32 vcc, v11, v1
	s_nop 1
	v_cndmask_b32_e32 v0, v1, v11, vcc
	v_cmp_gt_f32_e32 vcc, v15, v0
	v_mbcnt_lo_u32_b32 v1, -1, 0
	v_mbcnt_hi_u32_b32 v24, -1, v1
	v_cndmask_b32_e32 v0, v0, v15, vcc
	v_cmp_lt_f32_e32 vcc, v0, v4
	v_add_u32_e32 v9, 32, v24
	v_xor_b32_e32 v1, 16, v24
	v_cndmask_b32_e32 v0, v0, v4, vcc
	v_cmp_gt_f32_e32 vcc, v18, v0
	v_and_b32_e32 v25, 0xe0, v9
	s_nop 0
	v_cndmask_b32_e32 v0, v0, v18, vcc
	v_cmp_gt_f32_e32 vcc, v5, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v5, vcc
	v_cmp_gt_f32_e32 vcc, v19, v0
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v19, vcc
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
	v_cmp_lt_u32_e32 vcc, v1, v25
	s_nop 1
	v_cndmask_b32_e32 v1, v24, v1, vcc
	v_lshlrev_b32_e32 v1, 2, v1
	ds_bpermute_b32 v9, v1, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v9
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v9, vcc
	v_xor_b32_e32 v9, 8, v24
	v_cmp_lt_u32_e32 vcc, v9, v25
	s_nop 1
	v_cndmask_b32_e32 v9, v24, v9, vcc
	v_lshlrev_b32_e32 v9, 2, v9
	ds_bpermute_b32 v22, v9, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v22
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v22, vcc
	v_xor_b32_e32 v22, 4, v24
	v_cmp_lt_u32_e32 vcc, v22, v25
	s_nop 1
	v_cndmask_b32_e32 v22, v24, v22, vcc
	v_lshlrev_b32_e32 v22, 2, v22
	ds_bpermute_b32 v23, v22, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v23
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v23, vcc
	v_xor_b32_e32 v23, 2, v24
	v_cmp_lt_u32_e32 vcc, v23, v25
	s_nop 1
	v_cndmask_b32_e32 v23, v24, v23, vcc
	v_lshlrev_b32_e32 v23, 2, v23
	ds_bpermute_b32 v26, v23, v0
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e32 vcc, v0, v26
	s_nop 1
	v_cndmask_b32_e32 v0, v0, v26, vcc
	v_xor_b32_e32 v26, 1, v24
	v_cmp_lt_u32_e32 vcc, v26, v25
	s_nop 1
	v_cndmask_b32_e32 v24, v24, v26, vcc
	v_lshlrev_b32_e32 v24, 2, v24
	ds_bpermute_b32 v25, v24, v0
	v_and_b32_e32 v26, 31, v21
	v_lshrrev_b32_e32 v21, 5, v21
	v_cmp_eq_u32_e32 vcc, 0, v26
	v_lshlrev_b32_e32 v21, 2, v21
	s_and_saveexec_b64 s[6:7], vcc
	s_xor_b64 s[8:9], exec, s[6:7]
	s_cbranch_execz .LBB0_10
; %bb.9:                                ; %B2434.i
	s_waitcnt lgkmcnt(0)
	v_cmp_lt_f32_e64 s[6:7], v0, v25
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v25, s[6:7]
	v_lshl_add_u32 v25, v20, 4, v21
	ds_write_b32 v25, v0 offset:32
.LBB0_10:                               ; %B2466.i
	s_or_b64 exec, exec, s[8:9]
	v_lshlrev_b32_e32 v20, 4, v20
	s_waitcnt lgkmcnt(0)
	s_barrier
	ds_read2_b32 v[26:27], v20 offset0:8 offset1:9
	ds_read2_b32 v[28:29], v20 offset0:10 offset1:11
	v_mov_b32_e32 v25, 0
	s_waitcnt lgkmcnt(1)
	v_cmp_gt_f32_e64 s[6:7], v27, v26
	s_nop 1
	v_cndmask_b32_e64 v0, v26, v27, s[6:7]
	s_waitcnt lgkmcnt(0)
	v_cmp_gt_f32_e64 s[6:7], v28, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v28, s[6:7]
	v_cmp_gt_f32_e64 s[6:7], v29, v0
	s_nop 1
	v_cndmask_b32_e64 v0, v0, v29, s[6:7]
	v_mul_f32_e32 v0, s10, v0
	s_and_saveexec_b64 s[12:13], s[4:5]
	s_cbranch_execz .LBB0_12
; %bb.11:                               ; %B2790.preheader.i
	v_pk_mul_f32 v[12:13], s[10:11], v[12:13] op_sel_hi:[0,1]
	v_pk_mul_f32 v[16:17], s[10:11], v[16:17] op_sel_hi:[0,1]
	v_pk_add_f32 v[12:13], v[12:13], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	s_mov_b32 s11, 0xc2fc0000
	v_mov_b32_e32 v25, 0x42800000
	v_cmp_gt_f32_e64 s[6:7], s11, v13
	v_cmp_gt_f32_e64 s[8:9], s11, v12
	v_pk_add_f32 v[16:17], v[16:17], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_cndmask_b32_e64 v26, 0, v25, s[6:7]
	v_add_f32_e32 v13, v13, v26
	v_cndmask_b32_e64 v27, 0, v25, s[8:9]
	v_exp_f32_e32 v13, v13
	v_add_f32_e32 v12, v12, v27
	v_exp_f32_e32 v12, v12
	v_not_b32_e32 v26, 63
	v_cndmask_b32_e64 v27, 0, v26, s[6:7]
	v_ldexp_f32 v13, v13, v27
	v_cndmask_b32_e64 v27, 0, v26, s[8:9]
	v_cmp_gt_f32_e64 s[6:7], s11, v17
	v_ldexp_f32 v12, v12, v27
	v_cmp_gt_f32_e64 s[8:9], s11, v16
	v_cndmask_b32_e64 v27, 0, v25, s[6:7]
	v_add_f32_e32 v17, v17, v27
	v_cndmask_b32_e64 v27, 0, v25, s[8:9]
	v_exp_f32_e32 v17, v17
	v_add_f32_e32 v16, v16, v27
	v_exp_f32_e32 v16, v16
	v_pk_mul_f32 v[10:11], s[10:11], v[10:11] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v27, 0, v26, s[6:7]
	v_pk_add_f32 v[10:11], v[10:11], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v17, v17, v27
	v_cndmask_b32_e64 v27, 0, v26, s[8:9]
	v_cmp_gt_f32_e64 s[6:7], s11, v11
	v_ldexp_f32 v16, v16, v27
	v_cmp_gt_f32_e64 s[8:9], s11, v10
	v_cndmask_b32_e64 v27, 0, v25, s[6:7]
	v_add_f32_e32 v11, v11, v27
	v_cndmask_b32_e64 v27, 0, v25, s[8:9]
	v_exp_f32_e32 v11, v11
	v_add_f32_e32 v10, v10, v27
	v_exp_f32_e32 v10, v10
	v_pk_mul_f32 v[14:15], s[10:11], v[14:15] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v27, 0, v26, s[6:7]
	v_pk_add_f32 v[14:15], v[14:15], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v11, v11, v27
	v_cndmask_b32_e64 v27, 0, v26, s[8:9]
	v_cmp_gt_f32_e64 s[6:7], s11, v15
	v_ldexp_f32 v10, v10, v27
	v_cmp_gt_f32_e64 s[8:9], s11, v14
	v_cndmask_b32_e64 v27, 0, v25, s[6:7]
	v_add_f32_e32 v15, v15, v27
	v_cndmask_b32_e64 v25, 0, v25, s[8:9]
	v_exp_f32_e32 v15, v15
	v_add_f32_e32 v14, v14, v25
	v_exp_f32_e32 v14, v14
	v_cndmask_b32_e64 v25, 0, v26, s[6:7]
	v_ldexp_f32 v15, v15, v25
	v_cndmask_b32_e64 v25, 0, v26, s[8:9]
	v_ldexp_f32 v14, v14, v25
	v_add_f32_e32 v25, v12, v16
	v_add_f32_e32 v25, v13, v25
	v_add_f32_e32 v25, v17, v25
	v_add_f32_e32 v25, v10, v25
	v_add_f32_e32 v25, v14, v25
	v_add_f32_e32 v25, v11, v25
	v_add_f32_e32 v25, v15, v25
.LBB0_12:                               ; %B2886.i
	s_or_b64 exec, exec, s[12:13]
	s_and_saveexec_b64 s[12:13], s[2:3]
	s_cbranch_execz .LBB0_14
; %bb.13:                               ; %B2790.preheader.1.i
	v_pk_mul_f32 v[4:5], s[10:11], v[4:5] op_sel_hi:[0,1]
	v_pk_mul_f32 v[18:19], s[10:11], v[18:19] op_sel_hi:[0,1]
	v_pk_add_f32 v[4:5], v[4:5], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	s_mov_b32 s11, 0xc2fc0000
	v_mov_b32_e32 v26, 0x42800000
	v_cmp_gt_f32_e64 s[6:7], s11, v5
	v_cmp_gt_f32_e64 s[8:9], s11, v4
	v_pk_add_f32 v[18:19], v[18:19], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_cndmask_b32_e64 v27, 0, v26, s[6:7]
	v_add_f32_e32 v5, v5, v27
	v_cndmask_b32_e64 v28, 0, v26, s[8:9]
	v_exp_f32_e32 v5, v5
	v_add_f32_e32 v4, v4, v28
	v_exp_f32_e32 v4, v4
	v_not_b32_e32 v27, 63
	v_cndmask_b32_e64 v28, 0, v27, s[6:7]
	v_ldexp_f32 v5, v5, v28
	v_cndmask_b32_e64 v28, 0, v27, s[8:9]
	v_cmp_gt_f32_e64 s[6:7], s11, v19
	v_ldexp_f32 v4, v4, v28
	v_cmp_gt_f32_e64 s[8:9], s11, v18
	v_cndmask_b32_e64 v28, 0, v26, s[6:7]
	v_add_f32_e32 v19, v19, v28
	v_cndmask_b32_e64 v28, 0, v26, s[8:9]
	v_exp_f32_e32 v19, v19
	v_add_f32_e32 v18, v18, v28
	v_exp_f32_e32 v18, v18
	v_pk_mul_f32 v[6:7], s[10:11], v[6:7] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v28, 0, v27, s[6:7]
	v_pk_add_f32 v[6:7], v[6:7], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_ldexp_f32 v19, v19, v28
	v_cndmask_b32_e64 v28, 0, v27, s[8:9]
	v_cmp_gt_f32_e64 s[6:7], s11, v7
	v_ldexp_f32 v18, v18, v28
	v_pk_mul_f32 v[2:3], s[10:11], v[2:3] op_sel_hi:[0,1]
	v_cndmask_b32_e64 v28, 0, v26, s[6:7]
	v_add_f32_e32 v7, v7, v28
	v_exp_f32_e32 v7, v7
	v_cmp_gt_f32_e64 s[8:9], s11, v6
	v_pk_add_f32 v[2:3], v[2:3], v[0:1] op_sel_hi:[1,0] neg_lo:[0,1] neg_hi:[0,1]
	v_add_f32_e32 v25, v4, v25
	v_cndmask_b32_e64 v28, 0, v26, s[8:9]
	v_add_f32_e32 v6, v6, v28
	v_cndmask_b32_e64 v28, 0, v27, s[6:7]
	v_cmp_gt_f32_e64 s[6:7], s11, v3
	v_ldexp_f32 v7, v7, v28
	v_cndmask_b32_e64 v28, 0, v27, s[8:9]
	v_cndmask_b32_e64 v0, 0, v26, s[6:7]
	v_cmp_gt_f32_e64 s[8:9], s11, v2
	v_add_f32_e32 v0, v3, v0
	v_exp_f32_e32 v6, v6
	v_cndmask_b32_e64 v3, 0, v26, s[8:9]
	v_exp_f32_e32 v0, v0
	v_add_f32_e32 v2, v2, v3
	v_exp_f32_e32 v2, v2
	v_add_f32_e32 v25, v18, v25
	v_add_f32_e32 v25, v5, v25
	v_cndmask_b32_e64 v3, 0, v27, s[6:7]
	v_add_f32_e32 v25, v19, v25
	v_ldexp_f32 v6, v6, v28
	v_ldexp_f32 v3, v0, v3
	v_cndmask_b32_e64 v0, 0, v27, s[8:9]
	v_add_f32_e32 v25, v6, v25
	v_ldexp_f32 v2, v2, v0
	v_add_f32_e32 v0, v2, v25
	v_add_f32_e32 v0, v7, v0
	v_add_f32_e32 v25, v3, v0
.LBB0_14:                               ; %B2886.1.i
	s_or_b64 exec, exec, s[12:13]
	ds_bpermute_b32 v0, v1, v25
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v25, v0
	ds_bpermute_b32 v1, v9, v0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	ds_bpermute_b32 v1, v22, v0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	ds_bpermute_b32 v1, v23, v0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v1, v0, v1
	ds_bpermute_b32 v9, v24, v1
	v_add_u32_e32 v0, 32, v20
	s_and_saveexec_b64 s[6:7], vcc
	s_cbranch_execz .LBB0_16
; %bb.15:                               ; %B3022.i
	s_movk_i32 s8, 0xffe0
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v1, v1, v9
	v_add3_u32 v9, v0, v21, s8
	ds_write_b32 v9, v1
.LBB0_16:                               ; %B3074.i
	s_or_b64 exec, exec, s[6:7]
	s_waitcnt lgkmcnt(0)
	v_subrev_u32_e32 v9, 32, v0
	s_barrier
	ds_read2_b32 v[0:1], v9 offset1:1
	ds_read2_b32 v[20:21], v9 offset0:2 offset1:3
	s_load_dwordx2 s[0:1], s[0:1], 0x58
	s_waitcnt lgkmcnt(0)
	v_add_f32_e32 v0, v0, v1
	v_add_f32_e32 v0, v0, v20
	v_add_f32_e32 v0, v0, v21
	v_div_scale_f32 v1, s[6:7], v0, v0, 1.0
	v_rcp_f32_e32 v9, v1
	v_div_scale_f32 v20, vcc, 1.0, v0, 1.0
	v_fma_f32 v21, -v1, v9, 1.0
	v_fmac_f32_e32 v9, v21, v9
	v_mul_f32_e32 v21, v20, v9
	v_fma_f32 v22, -v1, v21, v20
	v_fmac_f32_e32 v21, v22, v9
	v_fma_f32 v1, -v1, v21, v20
	v_div_fmas_f32 v1, v1, v9, v21
	v_div_fixup_f32 v20, v1, v0, 1.0
	s_and_saveexec_b64 s[6:7], s[4:5]
	s_xor_b64 s[4:5], exec, s[6:7]
	s_cbranch_execz .LBB0_18
; %bb.17:                               ; %B3566.i
	v_pk_mul_f32 v[0:1], v[12:13], v[20:21] op_sel_hi:[1,0]
	v_pk_mul_f32 v[12:13], v[16:17], v[20:21] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v16, v0
	v_cvt_f16_f32_e32 v17, v1
	v_cvt_f16_f32_e32 v21, v12
	v_pk_mul_f32 v[0:1], v[10:11], v[20:21] op_sel_hi:[1,0]
	v_pk_mul_f32 v[10:11], v[14:15], v[20:21] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v22, v13
	v_cvt_f16_f32_e32 v12, v0
	v_cvt_f16_f32_e32 v13, v1
	v_cvt_f16_f32_e32 v10, v10
	v_cvt_f16_f32_e32 v11, v11
	v_mov_b32_e32 v9, 0
	s_mov_b32 s6, 0x5040100
	v_lshl_add_u64 v[0:1], v[8:9], 1, s[0:1]
	v_perm_b32 v9, v11, v10, s6
	v_perm_b32 v10, v13, v12, s6
	s_mov_b32 s7, 0x3020706
	s_mov_b32 s8, 0x1000504
	v_perm_b32 v13, v10, v9, s7
	v_perm_b32 v12, v10, v9, s8
	v_perm_b32 v9, v22, v21, s6
	v_perm_b32 v10, v17, v16, s6
	v_perm_b32 v11, v10, v9, s7
	v_perm_b32 v10, v10, v9, s8
	global_store_dwordx4 v[0:1], v[10:13], off
.LBB0_18:                               ; %Flow40
	s_andn2_saveexec_b64 s[4:5], s[4:5]
	s_cbranch_execz .LBB0_20
; %bb.19:                               ; %B3916.i
	v_mov_b32_e32 v9, 0
	v_lshl_add_u64 v[0:1], v[8:9], 1, s[0:1]
	v_mov_b32_e32 v10, v9
	v_mov_b32_e32 v11, v9
	v_mov_b32_e32 v12, v9
	v_mov_b32_e32 v13, v9
	global_store_dwordx4 v[0:1], v[10:13], off
.LBB0_20:                               ; %B4025.i
	s_or_b64 exec, exec, s[4:5]
	v_add_u32_e32 v0, 0x400, v8
	s_and_saveexec_b64 s[4:5], s[2:3]
	s_xor_b64 s[2:3], exec, s[4:5]
	s_cbranch_execnz .LBB0_23
; %bb.21:                               ; %Flow
	s_andn2_saveexec_b64 s[2:3], s[2:3]
	s_cbranch_execnz .LBB0_24
.LBB0_22:                               ; %_ZN11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.exit
	s_endpgm
.LBB0_23:                               ; %B3566.1.i
	v_pk_mul_f32 v[4:5], v[4:5], v[20:21] op_sel_hi:[1,0]
	v_pk_mul_f32 v[2:3], v[2:3], v[20:21] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v10, v4
	v_cvt_f16_f32_e32 v11, v5
	v_pk_mul_f32 v[4:5], v[6:7], v[20:21] op_sel_hi:[1,0]
	v_pk_mul_f32 v[8:9], v[18:19], v[20:21] op_sel_hi:[1,0]
	v_cvt_f16_f32_e32 v6, v4
	v_cvt_f16_f32_e32 v7, v5
	v_cvt_f16_f32_e32 v2, v2
	v_cvt_f16_f32_e32 v3, v3
	v_cvt_f16_f32_e32 v8, v8
	v_cvt_f16_f32_e32 v9, v9
	v_mov_b32_e32 v1, 0
	s_mov_b32 s4, 0x5040100
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_perm_b32 v0, v3, v2, s4
	v_perm_b32 v1, v7, v6, s4
	s_mov_b32 s5, 0x3020706
	s_mov_b32 s6, 0x1000504
	v_perm_b32 v3, v1, v0, s5
	v_perm_b32 v2, v1, v0, s6
	v_perm_b32 v0, v9, v8, s4
	v_perm_b32 v6, v11, v10, s4
	v_perm_b32 v1, v6, v0, s5
	v_perm_b32 v0, v6, v0, s6
	global_store_dwordx4 v[4:5], v[0:3], off
                                        ; implicit-def: $vgpr0
	s_andn2_saveexec_b64 s[2:3], s[2:3]
	s_cbranch_execz .LBB0_22
.LBB0_24:                               ; %B3916.1.i
	v_mov_b32_e32 v1, 0
	v_lshl_add_u64 v[4:5], v[0:1], 1, s[0:1]
	v_mov_b32_e32 v0, v1
	v_mov_b32_e32 v2, v1
	v_mov_b32_e32 v3, v1
	global_store_dwordx4 v[4:5], v[0:3], off
	s_endpgm
.Lfunc_end0:
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif, .Lfunc_end0-_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.section	.rodata,"a",@progbits
	.p2align	6, 0x0
	.amdhsa_kernel _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
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
		.amdhsa_next_free_vgpr 30
		.amdhsa_next_free_sgpr 14
		.amdhsa_accum_offset 32
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
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.num_vgpr, 30
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.num_agpr, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.numbered_sgpr, 14
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.num_named_barrier, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.private_seg_size, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.uses_vcc, 1
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.uses_flat_scratch, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.has_dyn_sized_stack, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.has_recursion, 0
	.set .L_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.has_indirect_call, 0
	.section	.AMDGPU.csdata,"",@progbits
; Kernel info:
; codeLenInByte = 2836
; TotalNumSgprs: 20
; NumVgprs: 30
; NumAgprs: 0
; TotalNumVgprs: 30
; ScratchSize: 0
; MemoryBound: 0
; FloatMode: 240
; IeeeMode: 1
; LDSByteSize: 64 bytes/workgroup (compile time only)
; SGPRBlocks: 2
; VGPRBlocks: 3
; NumSGPRsForWavesPerEU: 20
; NumVGPRsForWavesPerEU: 30
; AccumOffset: 32
; Occupancy: 8
; WaveLimiterHint : 1
; COMPUTE_PGM_RSRC2:SCRATCH_EN: 0
; COMPUTE_PGM_RSRC2:USER_SGPR: 2
; COMPUTE_PGM_RSRC2:TRAP_HANDLER: 0
; COMPUTE_PGM_RSRC2:TGID_X_EN: 1
; COMPUTE_PGM_RSRC2:TGID_Y_EN: 0
; COMPUTE_PGM_RSRC2:TGID_Z_EN: 0
; COMPUTE_PGM_RSRC2:TIDIG_COMP_CNT: 1
; COMPUTE_PGM_RSRC3_GFX90A:ACCUM_OFFSET: 7
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

	.type	_ZN08NumbaEnv14lab_intrinsics12warp_sum_hipB3v15B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,@object ; @_ZN08NumbaEnv14lab_intrinsics12warp_sum_hipB3v15B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf
	.comm	_ZN08NumbaEnv14lab_intrinsics12warp_sum_hipB3v15B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,8,3
	.type	_ZN08NumbaEnv14lab_intrinsics12warp_max_hipB3v14B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,@object ; @_ZN08NumbaEnv14lab_intrinsics12warp_max_hipB3v14B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf
	.comm	_ZN08NumbaEnv14lab_intrinsics12warp_max_hipB3v14B103_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61WB7LUrRSMdRTUYZ4FcsG21gLDFy2qbUHJDiIMSVVIAqgpBSyhCQA_3dEf,8,3
	.type	_ZN08NumbaEnv11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif,@object ; @_ZN08NumbaEnv11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
	.comm	_ZN08NumbaEnv11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif,8,3
	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__
	.section	.bss,"aw",@nobits
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__errcode__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidx__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidx__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidy__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidy__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__tidz__, 4

	.type	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__,@object ; @_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__
	.globl	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__
	.p2align	2, 0x0
_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__:
	.long	0                               ; 0x0
	.size	_ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif__ctaidz__, 4

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
    .name:           _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif
    .private_segment_fixed_size: 0
    .sgpr_count:     20
    .sgpr_spill_count: 0
    .symbol:         _ZN5hippy11lab_softmax29lab_softmax_v2_f16_t128_r2_c2B3v13B97_8_2fAMcMtJTC_2fWQFJmm55WYWmQqKOA5CVbcGjpKCBpt61Wh3lR3UoBGlTqQEkgz7gWGL5oUW0LSnYQYUiqQhJATSlgCU0AE5ArrayIsLi1E1C7mutable7alignedE5ArrayIsLi1E1C7mutable7alignedEiif.kd
    .uses_dynamic_stack: false
    .vgpr_count:     30
    .vgpr_spill_count: 0
    .wavefront_size: 64
amdhsa.target:   amdgcn-amd-amdhsa--gfx942
amdhsa.version:
  - 1
  - 2
...

	.end_amdgpu_metadata

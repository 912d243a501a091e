import numpy as np, time, numba_causal as nc
q=np.random.rand(1,1,1,128).astype(np.float32); k=np.random.rand(1,1,8,128).astype(np.float32); v=k.copy()
out=np.empty_like(q); x = np.random.rand(1, 1, 4, 8).astype(np.float32)
def t(fn, n=3000):
    fn(); fn(); s=time.perf_counter()
    for _ in range(n): fn()
    return (time.perf_counter()-s)/n*1e6
print("attention full path (return_lse) %.1f us" % t(lambda: nc.causal_attention(q,k,v,out=out,return_lse=True,backend='cpu')))
print("attention kv_lens full path %.1f us" % t(lambda: nc.causal_attention(q,k,v,out=out,kv_lens=[8],backend='cpu')))
print("softmax kv_lens full path %.1f us" % t(lambda: nc.causal_softmax(x,kv_lens=[8],backend='cpu')))
print("mask kv_lens full path %.1f us" % t(lambda: nc.apply_causal_mask(x,kv_lens=[8],backend='cpu')))
q64=np.random.rand(1,1,1,64).astype(np.float32); k64=np.random.rand(1,1,8,64).astype(np.float32); o64=np.empty_like(q64)
print("attention repeated (out given, [1,1,1,64] x 8 keys) %.1f us" % t(lambda: nc.causal_attention(q64,k64,k64,out=o64,backend='cpu')))
lens = np.array([8])
print("attention repeated with kv_lens (out given) %.1f us" % t(lambda: nc.causal_attention(q64,k64,k64,out=o64,kv_lens=lens,backend='cpu')))

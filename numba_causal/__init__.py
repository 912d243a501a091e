"""numba_causal: attention kernels written once in Python with Numba — the causal
mask, the fused causal softmax and its backward, rotary position embeddings and
fused decode attention over a KV cache — for AMD GPUs (numba-hip), NVIDIA GPUs
(numba-cuda), numba-cuda's simulator and the CPU, from one kernel source."""

from .api import apply_causal_mask, causal_softmax
from .attention import causal_attention, causal_attention_reference
from .backends import BackendUnavailable, available_backends, get_backend
from .mask import causal_mask_reference
from .report import info
from .rotary import apply_rotary, rotary_reference
from .softmax import causal_softmax_reference
from .softmax_backward import causal_softmax_backward, causal_softmax_backward_reference

__all__ = ["apply_causal_mask", "causal_mask_reference", "causal_softmax",
           "causal_softmax_reference", "causal_softmax_backward",
           "causal_softmax_backward_reference", "apply_rotary", "rotary_reference",
           "causal_attention", "causal_attention_reference", "available_backends",
           "get_backend", "info", "BackendUnavailable"]
__version__ = "0.2.0"

"""numba_causal: attention-mask kernels written in Python with Numba, for AMD GPUs
(numba-hip), NVIDIA GPUs (numba-cuda) and the CPU, from one kernel source."""

from .backends import BackendUnavailable, available_backends, get_backend
from .mask import apply_causal_mask, causal_mask_reference
from .report import info
from .softmax import causal_softmax, causal_softmax_reference

__all__ = ["apply_causal_mask", "causal_mask_reference", "causal_softmax",
           "causal_softmax_reference", "available_backends", "get_backend", "info",
           "BackendUnavailable"]
__version__ = "0.1.0"

"""int8 inference on CPU: Linear layers with int8 weights and per-token int8 activations.

The integer product is computed by ``torch._int_mm`` where the CPU has fast int8 kernels (AVX-512), and
otherwise as a floating-point product of the same integers, which is exactly equal: every partial sum of
int8 x int8 products is an integer, and integers are exact in float32 below 2**24 (float64 below 2**53).
Each layer checks, once, the largest sum its weights allow and takes float64 if float32 could round.
So the result, and the metrics, do not depend on which machine ran it.
"""

from __future__ import annotations

import torch

#: Integers up to this magnitude are exact in float32.
FLOAT32_EXACT = 2 ** 24


def fast_int8() -> bool:
    """Whether this CPU has fast int8 matrix kernels for ``torch._int_mm`` (AVX-512 VNNI and up)."""
    return torch.backends.cpu.get_cpu_capability().startswith("AVX512")



class Int8Linear(torch.nn.Module):
    """A Linear layer with int8 weights and dynamically int8-quantised activations (CPU).

    Weights are quantised once, symmetrically per output channel; activations per row (token)
    at each call. The product is an exact int32 matrix multiply (``torch._int_mm``), so a row's
    output depends on that row alone: results do not change with batch size or batch members,
    unlike ``torch.ao.quantization.quantize_dynamic``, which scales activations per tensor.

    Parameters
    ----------
    linear : torch.nn.Linear
        The float layer to replace, weight of shape ``(out_features, in_features)``.
    """

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        w = linear.weight.detach().float()
        scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("weight_t", torch.round(w / scale[:, None]).to(torch.int8).t().contiguous())
        self.register_buffer("weight_scale", scale)
        bias = linear.bias.detach().float().clone() if linear.bias is not None else None
        self.register_buffer("bias", bias)
        self.int_mm = fast_int8()
        if not self.int_mm:
            # the largest |sum| a row can reach: 127 times the largest column L1 norm of the int8 weights
            bound = 127 * int(self.weight_t.abs().to(torch.int64).sum(dim=0).max())
            dtype = torch.float32 if bound < FLOAT32_EXACT else torch.float64
            self.register_buffer("weight_f", self.weight_t.to(dtype), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., in_features)`` float -> ``(..., out_features)`` float32."""
        rows = x.reshape(-1, self.in_features).float()
        amax = torch.maximum(rows.amax(dim=1, keepdim=True), -rows.amin(dim=1, keepdim=True)).clamp_(min=1e-8)
        q = (rows * (127.0 / amax)).round_()  # integers in [-127, 127]
        if self.int_mm:
            prod = torch._int_mm(q.to(torch.int8), self.weight_t).float()
        else:  # the same integers, exactly (see the module docstring)
            prod = (q.to(self.weight_f.dtype) @ self.weight_f).float()
        out = prod.mul_(amax / 127.0).mul_(self.weight_scale)
        if self.bias is not None:
            out.add_(self.bias)
        return out.reshape(*x.shape[:-1], self.out_features)


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Replace every ``torch.nn.Linear`` in ``model`` by :class:`Int8Linear`, in place; returns it."""
    for name, child in list(model.named_children()):
        if isinstance(child, torch.nn.Linear):
            setattr(model, name, Int8Linear(child))
        else:
            quantize_int8(child)
    return model

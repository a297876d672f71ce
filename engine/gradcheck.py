"""Central-difference check of every analytic gradient.

For every parameter element θ, the numeric gradient is the fourth-order central difference
(−L(θ + 2h) + 8 L(θ + h) − 8 L(θ − h) + L(θ − 2h)) / 12h. Its truncation error shrinks
with h⁴, so h can be large enough that rounding in L stays far below 1e-6. The
error of a parameter array is ‖analytic − numeric‖ / max(‖analytic‖ + ‖numeric‖, NORM_FLOOR),
a relative error that stays meaningful where single elements are near zero.
"""

from __future__ import annotations

import numpy as np

from engine.iteration import evaluate, trace_iteration
from engine.network import NetworkSpec
from engine.optimizers import frobenius_norm

# Truncation error ∝ h⁴ and rounding error ∝ 1e-16 / h in float64 balance near h = 1e-4.
DEFAULT_STEP = 1e-4
# Below this norm a gradient is compared in absolute terms. Rounding in L leaves up to a few
# 1e-12 of noise in each estimate when L is about 1, and an error under 1e-6 × 1e-5 is far
# below any real bug.
NORM_FLOOR = 1e-5


def numeric_gradients(spec: NetworkSpec, parameters, inputs, targets, step: float = DEFAULT_STEP) -> dict:
    """Return fourth-order central-difference estimates of ∂L/∂θ for every parameter array."""
    shifted = {name: np.array(value, dtype=np.float64, copy=True) for name, value in parameters.items()}
    estimates = {}
    for name, array in shifted.items():
        estimate = np.empty_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            losses = []
            for offset in (2 * step, step, -step, -2 * step):
                array[index] = original + offset
                losses.append(evaluate(spec, shifted, inputs, targets)[1])
            array[index] = original
            far_up, up, down, far_down = losses
            estimate[index] = (-far_up + 8 * up - 8 * down + far_down) / (12 * step)
        estimates[name] = estimate
    return estimates


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = max(frobenius_norm(analytic) + frobenius_norm(numeric), NORM_FLOOR)
    with np.errstate(over="ignore", invalid="ignore"):
        return float(frobenius_norm(analytic - numeric) / scale)


def gradient_check(spec: NetworkSpec, parameters, inputs, targets, step: float = DEFAULT_STEP) -> dict[str, float]:
    """Return the relative error of the analytic gradient of every parameter array, by name."""
    analytic = trace_iteration(spec, parameters, inputs, targets, lr=0.0).gradients
    numeric = numeric_gradients(spec, parameters, inputs, targets, step)
    return {name: relative_error(analytic[name], numeric[name]) for name in spec.parameter_shapes()}

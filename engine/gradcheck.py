"""Central-difference check of every analytic gradient.

For every parameter element θ, the numeric gradient is (L(θ + h) − L(θ − h)) / 2h. The
error of a parameter array is ‖analytic − numeric‖ / max(‖analytic‖ + ‖numeric‖, NORM_FLOOR),
a relative error that stays meaningful where single elements are near zero.
"""

from __future__ import annotations

import numpy as np

from engine.iteration import evaluate, trace_iteration
from engine.network import NetworkSpec

# 1e-5 balances truncation error (∝ h²) against rounding error in L (∝ 1e-16 / h) in float64.
DEFAULT_STEP = 1e-5
# Below this norm a gradient is compared in absolute terms: rounding in L limits what
# central differences resolve, and an error under 1e-6 × 1e-8 is far below any real bug.
NORM_FLOOR = 1e-8


def numeric_gradients(spec: NetworkSpec, parameters, inputs, targets, step: float = DEFAULT_STEP) -> dict:
    """Return central-difference estimates of ∂L/∂θ for every parameter array."""
    shifted = {name: np.array(value, dtype=np.float64, copy=True) for name, value in parameters.items()}
    estimates = {}
    for name, array in shifted.items():
        estimate = np.empty_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + step
            _, upper = evaluate(spec, shifted, inputs, targets)
            array[index] = original - step
            _, lower = evaluate(spec, shifted, inputs, targets)
            array[index] = original
            estimate[index] = (upper - lower) / (2 * step)
        estimates[name] = estimate
    return estimates


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), NORM_FLOOR)
    return float(np.linalg.norm(analytic - numeric) / scale)


def gradient_check(spec: NetworkSpec, parameters, inputs, targets, step: float = DEFAULT_STEP) -> dict[str, float]:
    """Return the relative error of the analytic gradient of every parameter array, by name."""
    analytic = trace_iteration(spec, parameters, inputs, targets, lr=0.0).gradients
    numeric = numeric_gradients(spec, parameters, inputs, targets, step)
    return {name: relative_error(analytic[name], numeric[name]) for name in spec.parameter_shapes()}

"""Selection of what the network graph shows at the cursor: edge values and neuron values.

These functions only pick arrays the engine already computed; they do no maths. Edges show
the weights as they stand after the steps taken so far (an update step changes its layer's
edges), or the gradients ∂L/∂W computed so far in this iteration. Neurons show the latest
value of their layer for the selected sample: z, then a in the forward pass, ∂L/∂z in the
backward pass.
"""

from __future__ import annotations

import numpy as np


def _taken_steps(session) -> dict[tuple[str, str], object]:
    """Return the steps taken in the current iteration by (phase, key)."""
    if session.cursor[1] == 0:
        return {}
    steps = session.current_trace().steps[:session.cursor[1]]
    return {(step.phase, step.key): step for step in steps}


def edge_values(session, mode: str) -> dict[int, np.ndarray]:
    """Return {layer: (n_in, n_out)}: the weights at the cursor, or the gradients computed so far."""
    depth = session.spec.depth
    taken = _taken_steps(session)
    if mode == "gradient":
        values = {}
        for layer in range(1, depth + 1):
            step = taken.get(("backward", f"dW{layer}"))
            values[layer] = step.value if step is not None else np.zeros(session.spec.parameter_shapes()[f"W{layer}"])
        return values

    if session.cursor[1] == 0:
        parameters = session.parameters
        return {layer: parameters[f"W{layer}"] for layer in range(1, depth + 1)}
    trace = session.current_trace()
    values = {}
    for layer in range(1, depth + 1):
        updated = taken.get(("update", f"W{layer}"))
        if updated is not None:
            values[layer] = updated.value
        else:
            forward = next(step for step in trace.steps if step.key == f"z{layer}")
            values[layer] = forward.operand(f"W{layer}")
    return values


def gradients_ready(session) -> set[int]:
    """Return the layers whose ∂L/∂W this iteration has computed so far."""
    taken = _taken_steps(session)
    return {layer for layer in range(1, session.spec.depth + 1) if ("backward", f"dW{layer}") in taken}


def neuron_values(session, sample: int) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], str]:
    """Return (values by layer, pre-activations by layer, caption) for one sample of the current batch.

    Layer 0 is the input row. The caption names what the numbers are: "a" or "∂L/∂z".
    """
    rows, inputs, _ = session.batch(session.cursor[0])
    sample = min(sample, len(rows) - 1)
    values = {0: inputs[sample]}
    pre_activations: dict[int, np.ndarray] = {}
    taken = _taken_steps(session)
    backward = any(phase == "backward" for phase, _ in taken)
    for layer in range(1, session.spec.depth + 1):
        z = taken.get(("forward", f"z{layer}"))
        a = taken.get(("forward", f"a{layer}"))
        dz = taken.get(("backward", f"dz{layer}"))
        if z is not None:
            pre_activations[layer] = z.value[sample]
        if backward:
            # Layers the backward pass has not reached yet show no number, so every number is ∂L/∂z.
            if dz is not None:
                values[layer] = dz.value[sample]
        elif a is not None:
            values[layer] = a.value[sample]
        elif z is not None:
            values[layer] = z.value[sample]
    caption = "neurons show ∂L/∂z" if backward else "neurons show z, then a = f(z)"
    return values, pre_activations, caption


def computed_losses(session) -> np.ndarray:
    """Return the losses of the iterations whose loss step the cursor has passed.

    ``history.loss[k]`` is the loss iteration k + 1 computes, known as soon as iteration k
    finished; the window shows it only from that iteration's loss step on, so a user
    stepping through never sees a number before the step that computes it.
    """
    iteration, step = session.cursor
    loss_step = 2 * session.spec.depth + 1
    shown = iteration if step >= loss_step else iteration - 1
    return session.history.loss[:shown]

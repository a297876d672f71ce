"""Targets that need no window: the fast path against references, tracing, and session files."""

from __future__ import annotations

import functools
import tempfile
import time
from statistics import median
from pathlib import Path

from cases import LEARNING_RATE, Case, PlainNumpy, TorchReference, check_agreement
from measure import Goal, Row, calibrate_count, count_text, interleave, minor_faults, time_block

from engine.files import open_session, save_session, tutorial_preset
from engine.iteration import trace_iteration
from engine.optimizers import FastTrainer
from engine.steps import frozen_parameters

# Iterations each side runs before the timed blocks, and that the agreement check compares.
AGREEMENT_ITERATIONS = 5


def _counted(step, count: int, faults: list[float]):
    """Return a block runner for ``interleave`` that also records minor page faults per call."""
    def run() -> float:
        before = minor_faults()
        elapsed = time_block(step, count)
        faults.append((minor_faults() - before) / count)
        return elapsed
    return run


def fast_vs_numpy(case: Case, settings) -> list[Row]:
    """Measure FastTrainer's speed over the plain NumPy loop's, and the minor page faults per iteration of both."""
    inputs, targets = case.inputs, case.targets
    trainer = FastTrainer(case.spec, case.parameters)
    plain = PlainNumpy(case)
    for _ in range(AGREEMENT_ITERATIONS):
        trainer.iterate(inputs, targets, LEARNING_RATE)
        plain.iterate(inputs, targets, LEARNING_RATE)
    check_agreement(case, trainer.parameters, plain.parameters())

    def fast_step():
        trainer.iterate(inputs, targets, LEARNING_RATE)

    def plain_step():
        plain.iterate(inputs, targets, LEARNING_RATE)

    count = calibrate_count(plain_step, settings.block_seconds)
    faults = {"fast": [], "plain": []}
    times = interleave({"fast": _counted(fast_step, count, faults["fast"]),
                        "plain": _counted(plain_step, count, faults["plain"])}, settings.repeats)
    ratios = [plain_time / fast_time for fast_time, plain_time in zip(times["fast"], times["plain"])]
    fast_rate = count / median(times["fast"])
    plain_rate = count / median(times["plain"])
    rows = [Row("fast_vs_numpy", case.label, ratios, "x", Goal(">=", 0.9),
                note=f"fast {fast_rate:,.0f} it/s, plain {plain_rate:,.0f} it/s, blocks of {count_text(count, 'iteration')}")]
    if case.label == "784-128-10":
        rows.append(Row("minor_faults", f"{case.label} fast", faults["fast"], "faults/iteration"))
        rows.append(Row("minor_faults", f"{case.label} plain", faults["plain"], "faults/iteration",
                        note="the plain loop, for comparison"))
    return rows


def one_blas_thread(case: Case, settings) -> list[Row]:
    """Measure FastTrainer with BLAS limited to one thread, against its default thread count and the plain loop.

    The plain loop runs with one BLAS thread too, so that ratio shows what reusing work
    arrays gains when BLAS threads do not wait for each other.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return [Row("blas_one_thread", case.label, skipped="threadpoolctl is not installed")]
    inputs, targets = case.inputs, case.targets
    trainer = FastTrainer(case.spec, case.parameters)
    plain = PlainNumpy(case)

    def fast_step():
        trainer.iterate(inputs, targets, LEARNING_RATE)

    def plain_step():
        plain.iterate(inputs, targets, LEARNING_RATE)

    def per_iteration(step, count: int, one_thread: bool):
        def run() -> float:
            if not one_thread:
                return time_block(step, count) / count
            with threadpool_limits(limits=1, user_api="blas"):
                return time_block(step, count) / count
        return run

    default_count = calibrate_count(fast_step, settings.block_seconds)
    with threadpool_limits(limits=1, user_api="blas"):
        one_count = calibrate_count(plain_step, settings.block_seconds)
    times = interleave({"default": per_iteration(fast_step, default_count, False),
                        "fast": per_iteration(fast_step, one_count, True),
                        "plain": per_iteration(plain_step, one_count, True)}, settings.repeats)
    threads = [default / one for default, one in zip(times["default"], times["fast"])]
    versus_plain = [plain_time / fast_time for fast_time, plain_time in zip(times["fast"], times["plain"])]
    fast_rate = 1 / median(times["fast"])
    return [
        Row("blas_one_thread", case.label, threads, "x",
            note="fast path speed with 1 BLAS thread over its speed with the default count, "
                 "so above 1 means 1 thread is faster"),
        Row("fast_vs_numpy", f"{case.label}, 1 BLAS thread", versus_plain, "x",
            note=f"both loops with 1 BLAS thread: fast {fast_rate:,.0f} it/s, plain {1 / median(times['plain']):,.0f} it/s"),
    ]


def fast_vs_torch(case: Case, settings, torch) -> Row:
    """Measure FastTrainer's speed over PyTorch's on the CPU, training the same network from the same parameters."""
    inputs, targets = case.inputs, case.targets
    trainer = FastTrainer(case.spec, case.parameters)
    reference = TorchReference(case, torch)
    for _ in range(AGREEMENT_ITERATIONS):
        trainer.iterate(inputs, targets, LEARNING_RATE)
        reference.iterate()
    check_agreement(case, trainer.parameters, reference.parameters())

    def fast_step():
        trainer.iterate(inputs, targets, LEARNING_RATE)

    count = calibrate_count(reference.iterate, settings.block_seconds)
    times = interleave({"fast": lambda: time_block(fast_step, count),
                        "torch": lambda: time_block(reference.iterate, count)}, settings.repeats)
    ratios = [torch_time / fast_time for fast_time, torch_time in zip(times["fast"], times["torch"])]
    torch_rate = count / median(times["torch"])
    return Row("fast_vs_torch", case.label, ratios, "x", Goal(">=", 2.0),
               note=f"torch {torch.__version__} {torch_rate:,.0f} it/s, {torch.get_num_threads()} threads")


def traced_vs_numpy(case: Case, settings) -> list[Row]:
    """Measure the time of one traced iteration over the time of one plain NumPy iteration.

    The traced iteration starts from read-only parameters, as the session's traces do (the
    trainer hands over the read-only parameters of the trace before). At 784-128-10 an
    info row shows the cost of starting from writable parameters, which are copied first.
    """
    inputs, targets = case.inputs, case.targets
    frozen = frozen_parameters(case.parameters)
    plain = PlainNumpy(case)

    def traced_step():
        trace_iteration(case.spec, frozen, inputs, targets, LEARNING_RATE)

    def writable_step():
        trace_iteration(case.spec, case.parameters, inputs, targets, LEARNING_RATE)

    def plain_step():
        plain.iterate(inputs, targets, LEARNING_RATE)

    sides = {"traced": traced_step, "plain": plain_step}
    if case.label == "784-128-10":
        sides["writable"] = writable_step
    counts = {name: calibrate_count(step, settings.block_seconds) for name, step in sides.items()}
    times = interleave({name: functools.partial(_per_call, step, counts[name]) for name, step in sides.items()},
                       settings.repeats)
    rows = []
    for name in sides:
        if name == "plain":
            continue
        ratios = [traced / plain_time for traced, plain_time in zip(times[name], times["plain"])]
        note = f"traced {median(times[name]) * 1e6:,.0f} µs, plain {median(times['plain']) * 1e6:,.0f} µs"
        if name == "traced":
            rows.append(Row("traced_vs_numpy", case.label, ratios, "x", Goal("<=", 1.5),
                            note=note + ", from read-only parameters"))
        else:
            rows.append(Row("traced_vs_numpy", f"{case.label}, writable parameters", ratios, "x",
                            note=note + ", parameters copied before the iteration"))
    return rows


def _per_call(step, count: int) -> float:
    return time_block(step, count) / count


def session_io(settings) -> list[Row]:
    """Time the export ("trace last") and the import of the tutorial session after ``settings.session_iterations``."""
    session = open_session(tutorial_preset())
    session.run(settings.session_iterations)
    with tempfile.TemporaryDirectory(prefix="gradstep-benchmark-") as folder:
        path = Path(folder) / "session.json"

        def export() -> float:
            started = time.perf_counter()
            save_session(session, path, "last")
            return time.perf_counter() - started

        def import_() -> float:
            started = time.perf_counter()
            opened = open_session(path)
            elapsed = time.perf_counter() - started
            if opened.finished_iterations != session.finished_iterations:
                raise AssertionError(f"the imported session has {opened.finished_iterations} finished iterations, "
                                     f"expected {session.finished_iterations}")
            return elapsed

        times = interleave({"export": export, "import": import_}, settings.io_repeats)
        size = path.stat().st_size
    case = f"{settings.session_iterations:,} iterations"
    note = f"3-4-2 tutorial, file {size / 1e6:.1f} MB"
    return [Row("session_io", f"export {case}", times["export"], "s", Goal("<=", 1.0), note=note),
            Row("session_io", f"import {case}", times["import"], "s", Goal("<=", 1.0), note=note)]

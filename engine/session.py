"""The debugging session: a cursor over the steps of training that moves both ways.

The cursor is (iteration, step): ``step`` steps of iteration ``iteration`` have been taken,
0 ≤ step ≤ steps per iteration. Iterations before it are finished; at the last step the
current one is finished too. Stepping shows the traced steps of the current iteration;
``run`` trains on the fast path. Rewinding restores parameters from a checkpoint and replays
the fast path, which is bit-identical to the traced path, so any position can be revisited
exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from engine.breakpoints import Breakpoints, Stop
from engine.datasets import Dataset
from engine.errors import SpecError
from engine.history import Checkpoints, History
from engine.iteration import IterationTrace, evaluate, trace_iteration
from engine.network import (
    INITIALIZATIONS,
    MAX_ESTIMATED_BYTES,
    NetworkSpec,
    check_batch,
    check_parameters,
    check_targets,
    init_parameters,
)
from engine.optimizers import OPTIMIZERS, FastTrainer, frobenius_norm
from engine.schedule import BatchSchedule, LearningRateSchedule
from engine.steps import frozen_parameters

# Exporting every iteration's steps is refused beyond this many iterations: the file would
# hold steps × iterations arrays and grow past what a text editor or the importer handles.
MAX_TRACED_ITERATIONS = 2_000


@dataclass(frozen=True)
class TrainingConfig:
    """Training settings: optimizer, learning rate α, batch size (None: full batch) and seed."""

    optimizer: str = "sgd"
    learning_rate: float = 0.1
    batch_size: int | None = None
    seed: int = 0
    shuffle: bool = True
    initialization: str = "small"

    def __post_init__(self):
        check_learning_rate(self.learning_rate)
        if self.optimizer not in OPTIMIZERS:
            raise SpecError(f"training.optimizer: unknown optimizer {self.optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
        if self.batch_size is not None and (not _is_int(self.batch_size) or self.batch_size < 1):
            raise SpecError(f"training.batch_size: expected a positive integer or null, got {self.batch_size!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise SpecError(f"training.seed: expected a non-negative integer, got {self.seed!r}")
        if self.initialization not in INITIALIZATIONS:
            raise SpecError(f"training.initialization: unknown method {self.initialization!r}; "
                            f"expected one of {', '.join(INITIALIZATIONS)}")

    def to_dict(self) -> dict:
        return {
            "optimizer": self.optimizer,
            "learning_rate": float(self.learning_rate),
            "batch_size": self.batch_size,
            "seed": self.seed,
            "shuffle": self.shuffle,
            "initialization": self.initialization,
        }


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_learning_rate(value, field: str = "training.learning_rate") -> float:
    """Return value as a float, or raise ``SpecError`` unless it is a finite number above 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise SpecError(f"{field}: expected a positive finite number, got {value!r}")
    try:
        valid = math.isfinite(value) and value > 0
    except OverflowError:  # an integer beyond the float64 range
        valid = False
    if not valid:
        shown = f"an integer of {len(str(value))} digits" if isinstance(value, int) and abs(value) > 1e300 else repr(float(value))
        raise SpecError(f"{field}: expected a positive finite number, got {shown}")
    return float(value)


@dataclass(frozen=True)
class RunResult:
    """The result of a run: iterations finished, and the stop that ended it early (or None)."""

    iterations: int
    stop: Stop | None


class Session:
    """A training session of one network on one data set, with a cursor and breakpoints."""

    def __init__(self, spec: NetworkSpec, data: Dataset, training: TrainingConfig | None = None,
                 initial_parameters: dict | None = None, breakpoints: Breakpoints | None = None):
        training = training or TrainingConfig()
        check_batch(spec, data.inputs, data.targets)
        check_targets(spec, data.targets)
        batch = data.inputs.shape[0] if training.batch_size is None else min(training.batch_size, data.inputs.shape[0])
        needed = spec.estimated_bytes(batch)
        if needed > MAX_ESTIMATED_BYTES:
            raise SpecError(f"network: training needs about {needed / 1024**3:.1f} GiB, above the limit of "
                            f"{MAX_ESTIMATED_BYTES / 1024**3:.0f} GiB; use fewer units or a smaller batch")

        self.spec = spec
        self.data = data
        self.training = training
        self.breakpoints = breakpoints or Breakpoints()
        if initial_parameters is None:
            initial_parameters = init_parameters(spec, training.initialization, training.seed)
        self.initial_parameters = frozen_parameters(check_parameters(spec, initial_parameters, "initial_parameters"))
        self.batches = BatchSchedule(data.inputs.shape[0], training.batch_size, training.seed, training.shuffle)
        self.rates = LearningRateSchedule(training.learning_rate)
        # 2 forward steps a layer, the loss, 5 backward steps a layer, 2 updates a layer.
        self.steps_per_iteration = 9 * spec.depth + 1
        self._restore_start()

    # ------------------------------------------------------------------ state

    def _restore_start(self) -> None:
        self.history = History(self.spec.depth)
        self.checkpoints = Checkpoints()
        self.checkpoints.save(0, self.initial_parameters)
        self._trainer = FastTrainer(self.spec, self.initial_parameters)
        self._iteration = 1
        self._step = 0
        self._trace: IterationTrace | None = None
        self._imported_traces: dict[int, dict] = {}
        self.history.append_loss(self._loss_at_current(1))

    @property
    def cursor(self) -> tuple[int, int]:
        """(iteration, steps taken in it)."""
        return self._iteration, self._step

    @property
    def finished_iterations(self) -> int:
        return self._iteration if self._step == self.steps_per_iteration else self._iteration - 1

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """Read-only copies of the parameters after the finished iterations."""
        return self._trainer.snapshot()

    @property
    def learning_rate(self) -> float:
        """The learning rate of the next iteration to run."""
        return self.rates.at(self.finished_iterations + 1)

    def accuracy(self) -> float | None:
        """Return the share of all samples the current parameters classify correctly, or None.

        Defined for a softmax output (largest output against the target's class) and for a
        sigmoid output with binary cross-entropy (each output above 0.5 against each target).
        """
        output = self.spec.layers[-1].activation
        if output != "softmax" and self.spec.loss != "binary_cross_entropy":
            return None
        with np.errstate(all="ignore"):
            predicted = evaluate(self.spec, self._trainer.parameters, self.data.inputs)
        targets = self.data.targets
        if output == "softmax":
            return float(np.mean(predicted.argmax(axis=1) == targets.argmax(axis=1)))
        return float(np.mean((predicted > 0.5) == (targets > 0.5)))

    def batch(self, iteration: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (rows, inputs (m, n_in), targets (m, n_out)) of an iteration."""
        rows = self.batches.rows(iteration)
        if self.batches.is_full_batch:
            return rows, self.data.inputs, self.data.targets
        return rows, self.data.inputs[rows], self.data.targets[rows]

    def _loss_at_current(self, iteration: int) -> float:
        _, inputs, targets = self.batch(iteration)
        with np.errstate(all="ignore"):
            return evaluate(self.spec, self._trainer.parameters, inputs, targets)[1]

    def current_trace(self) -> IterationTrace:
        """Return the traced steps of the iteration the cursor is in."""
        if self._trace is None:
            start = self._parameters_before(self._iteration)
            _, inputs, targets = self.batch(self._iteration)
            with np.errstate(all="ignore"):
                self._trace = trace_iteration(self.spec, start, inputs, targets, self.rates.at(self._iteration))
        return self._trace

    def current_step(self):
        """Return the step the cursor is on, or None before the first step of an iteration."""
        return None if self._step == 0 else self.current_trace().steps[self._step - 1]

    def _parameters_before(self, iteration: int) -> dict[str, np.ndarray]:
        """Return θ after iteration − 1 updates, from the trainer or a checkpoint and a replay."""
        finished = iteration - 1
        if finished == self.finished_iterations:
            return self._trainer.snapshot()
        return self._replayed(finished)

    def _replayed(self, finished: int) -> dict[str, np.ndarray]:
        start, saved = self.checkpoints.latest_at_or_before(finished)
        trainer = FastTrainer(self.spec, saved)
        with np.errstate(all="ignore"):
            for iteration in range(start + 1, finished + 1):
                _, inputs, targets = self.batch(iteration)
                trainer.iterate(inputs, targets, self.rates.at(iteration))
        return trainer.parameters

    # ------------------------------------------------------------------ moving the cursor

    def step(self):
        """Take the next step; past the last update, start the next iteration. Return the new step."""
        if self._step == self.steps_per_iteration:
            self._iteration += 1
            self._step = 0
            self._trace = None
        self._step += 1
        if self._step == self.steps_per_iteration:
            self._finish_traced_iteration()
        return self.current_step()

    def step_back(self):
        """Undo one step, across iteration boundaries. Return the step now current.

        From the first step of iteration k > 1 the cursor moves to the last update of
        iteration k − 1; only iteration 1 has a position before its first step (None).
        """
        if self._step == 0 or (self._step == 1 and self._iteration > 1):
            if self._iteration == 1:
                return None
            self._iteration -= 1
            self._step = self.steps_per_iteration
            self._trace = None
            return self.current_step()
        if self._step == self.steps_per_iteration:
            self._unfinish_traced_iteration()
        self._step -= 1
        return self.current_step()

    def next_iteration(self) -> float:
        """Finish the current iteration (from its start when it is already finished) and return its loss."""
        if self._step == self.steps_per_iteration:
            self._iteration += 1
            self._step = 0
            self._trace = None
        self._step = self.steps_per_iteration
        self._finish_traced_iteration()
        return self._trace.loss

    def goto(self, iteration: int, step: int = 0):
        """Move the cursor to (iteration, step) and return the step there."""
        if not _is_int(iteration) or iteration < 1:
            raise ValueError(f"iteration: expected a positive integer, got {iteration!r}")
        if not _is_int(step) or not 0 <= step <= self.steps_per_iteration:
            raise ValueError(f"step: expected 0 to {self.steps_per_iteration}, got {step!r}")
        if iteration - 1 > self.finished_iterations:
            self.run(iteration - 1 - self.finished_iterations, use_breakpoints=False)
        else:
            self._rewind_to(iteration - 1)
        self._iteration, self._step, self._trace = iteration, 0, None
        if step == self.steps_per_iteration:
            self.next_iteration()
        else:
            self._step = step
        return self.current_step()

    def reset(self) -> None:
        """Go back to iteration 1, step 0, with the initial parameters; recorded learning rates stay."""
        self._rewind_to(0)

    def _rewind_to(self, finished: int) -> None:
        """Set the cursor to (finished + 1, 0) with the parameters after ``finished`` iterations."""
        if finished != self.finished_iterations:
            parameters = self._replayed(finished)
            self._trainer = FastTrainer(self.spec, parameters)
        self.history.truncate(finished)
        self._iteration, self._step, self._trace = finished + 1, 0, None

    def _finish_traced_iteration(self) -> None:
        trace = self.current_trace()
        self._trainer = FastTrainer(self.spec, trace.parameters)
        norms = [frobenius_norm(trace.gradients[f"W{layer}"]) for layer in range(1, self.spec.depth + 1)]
        self._record_finished(norms)

    def _unfinish_traced_iteration(self) -> None:
        """Undo the current iteration's update: its update steps keep the parameters from before it."""
        finished = self._iteration - 1
        self._trainer = FastTrainer(self.spec, self.current_trace().parameters_before())
        self.history.truncate(finished)

    def _record_finished(self, norms) -> None:
        """Record a finished iteration: its gradient norms, the next loss, and maybe a checkpoint."""
        finished = self._iteration
        self.history.truncate(finished - 1)
        self.history.append_norms(norms)
        self.history.append_loss(self._loss_at_current(finished + 1))
        if self.checkpoints.wants(finished):
            self.checkpoints.save(finished, self._trainer.parameters)

    # ------------------------------------------------------------------ learning rate

    def set_learning_rate(self, rate: float) -> int:
        """Use rate from the next iteration not yet started; return that iteration's number."""
        rate = check_learning_rate(rate, "learning rate")
        start = self._iteration if self._step == 0 else self._iteration + 1
        self.rates.set(start, rate)
        self.checkpoints.forget_after(start - 1)
        return start

    # ------------------------------------------------------------------ running

    def run(self, iterations: int, use_breakpoints: bool = True) -> RunResult:
        """Finish up to ``iterations`` iterations on the fast path, stopping at breakpoints.

        A partly stepped iteration is finished first and counts as one. The cursor ends at
        (finished + 1, 0), or where a breakpoint put it.
        """
        if not _is_int(iterations) or iterations < 0:
            raise ValueError(f"iterations: expected a non-negative integer, got {iterations!r}")
        done = 0
        if iterations and 0 < self._step < self.steps_per_iteration:
            self.next_iteration()
            done = 1
            stop = self._check_finished(self._iteration, self._trace.loss, self.history.gradient_norms[-1]) \
                if use_breakpoints else None
            if stop is not None:
                return RunResult(done, stop)
        if self._step == self.steps_per_iteration:
            self._iteration, self._step, self._trace = self._iteration + 1, 0, None

        trainer = self._trainer
        history = self.history
        fresh = True  # the loss the first iteration returns is already the last history entry
        try:
            with np.errstate(all="ignore"):
                while done < iterations:
                    iteration = self._iteration
                    if use_breakpoints and done and iteration in self.breakpoints.iterations:
                        return RunResult(done, Stop("iteration", f"breakpoint at iteration {iteration}", iteration, 0))
                    _, inputs, targets = self.batch(iteration)
                    loss = trainer.iterate(inputs, targets, self.rates.at(iteration))
                    if not fresh:
                        history.append_loss(loss)
                    fresh = False
                    norms = trainer.gradient_norms()
                    history.append_norms(norms)
                    self._iteration = iteration + 1
                    done += 1
                    if self.checkpoints.wants(iteration):
                        self.checkpoints.save(iteration, trainer.parameters)
                    if use_breakpoints:
                        stop = self._check_finished(iteration, loss, norms)
                        if stop is not None:
                            return RunResult(done, stop)
        finally:
            if not fresh and len(history) == self.finished_iterations:
                history.append_loss(self._loss_at_current(self._iteration))
        return RunResult(done, None)

    def _check_finished(self, iteration: int, loss: float, norms) -> Stop | None:
        """Return the stop a finished iteration triggers, after moving the cursor there, or None."""
        breakpoints = self.breakpoints
        if breakpoints.non_finite and not (math.isfinite(loss) and np.isfinite(norms).all()):
            return self._stop_at_non_finite(iteration)
        previous = self.history.loss_at(iteration - 2) if iteration >= 2 else None
        threshold = None if previous is None else breakpoints.loss_crossed(previous, loss)
        if threshold is not None:
            self._goto_key(iteration, "L")
            direction = "below" if loss < threshold else "above"
            return Stop("loss", f"loss went {direction} {threshold:g} at iteration {iteration}: "
                        f"{previous:.6g} → {loss:.6g}", iteration, self._step, "L")
        hit = breakpoints.gradient_norm_hit(norms)
        if hit is not None:
            self._goto_key(iteration, f"dW{hit.layer}")
            direction = "above" if hit.above else "below"
            norm = float(norms[hit.layer - 1])
            return Stop("gradient_norm", f"‖∂L/∂W{hit.layer}‖ = {norm:.6g} went {direction} {hit.threshold:g} "
                        f"at iteration {iteration}", iteration, self._step, f"∂L/∂W{hit.layer}")
        return None

    def _goto_key(self, iteration: int, key: str, phase: str | None = None):
        """Move the cursor onto the step named ``key`` of an iteration; return that step."""
        self._rewind_to(iteration - 1)
        self._iteration, self._trace = iteration, None
        for step in self.current_trace().steps:
            if step.key == key and (phase is None or step.phase == phase):
                self._step = step.index
                return step
        raise KeyError(key)

    def _stop_at_non_finite(self, iteration: int) -> Stop:
        """Move the cursor to the first step that produced NaN or ±Inf and describe it.

        The fast path notices a non-finite loss or gradient in ``iteration``. The first bad
        value may come from the update of the iteration before, so that one is searched first.
        """
        candidates = [iteration - 1, iteration] if iteration > 1 else [iteration]
        for candidate in candidates:
            trace = self.trace_of(candidate)
            for step in trace.steps:
                if not step.feeds_gradient or np.isfinite(step.value).all():
                    continue
                element = tuple(int(i) for i in np.argwhere(~np.isfinite(step.value))[0]) if step.value.ndim else ()
                value = float(step.value[element])
                self._rewind_to(candidate - 1)
                self._iteration, self._trace, self._step = candidate, trace, step.index
                if self._step == self.steps_per_iteration:
                    self._finish_traced_iteration()
                where = f"{step.symbol}{list(element) if element else ''}"
                return Stop("non_finite", f"iteration {candidate}, step {step.index} ({step.symbol}): "
                            f"{where} is {value}", candidate, step.index, step.symbol, element)
        # NOTE: reached only if the traced path does not reproduce what the fast path saw.
        return Stop("non_finite", f"iteration {iteration}: a value became NaN or infinite", *self.cursor)

    # ------------------------------------------------------------------ saving

    def last_traced_iteration(self) -> int | None:
        """Return the iteration whose steps "trace last" exports: the current one once stepped into."""
        if self._step > 0:
            return self._iteration
        return self.finished_iterations or None

    def trace_of(self, iteration: int) -> IterationTrace:
        """Return the traced steps of any iteration up to the current one."""
        if iteration == self._iteration and (self._step > 0 or self._trace is not None):
            return self.current_trace()
        _, inputs, targets = self.batch(iteration)
        with np.errstate(all="ignore"):
            return trace_iteration(self.spec, self._parameters_before(iteration), inputs, targets,
                                   self.rates.at(iteration))

    def to_document(self, trace: str = "last") -> dict:
        """Return the session as a document for ``session_file.dumps``, with the steps that trace names.

        trace is "none", "last" or "all".

        A cursor past the last update of iteration k is written as (k + 1, 0): the same
        state, so a file never needs the parameters before its last finished iteration.
        """
        if trace not in ("none", "last", "all"):
            raise ValueError(f"trace: expected none, last or all, got {trace!r}")
        iteration, step = self.cursor
        if step == self.steps_per_iteration:
            iteration, step = iteration + 1, 0

        data = {"name": self.data.name, "inputs": self.data.inputs, "targets": self.data.targets,
                "feature_names": list(self.data.feature_names), "target_names": list(self.data.target_names),
                "standardization": None}
        if self.data.standardization is not None:
            mean, std = self.data.standardization
            data["standardization"] = {"mean": mean, "std": std}
        return {
            "format": "gradstep.session",
            "version": 1,
            "network": self.spec.to_dict(),
            "data": data,
            "training": self.training.to_dict(),
            "initial_parameters": dict(self.initial_parameters),
            "parameters": self._trainer.parameters,
            "cursor": {"iteration": iteration, "step": step},
            "history": {
                "loss": self.history.loss,
                "gradient_norms": self.history.gradient_norms,
                "learning_rates": [{"iteration": i, "learning_rate": rate} for i, rate in self.rates.changes()],
            },
            "trace": self._trace_entries(trace),
        }

    def _trace_entries(self, mode: str) -> list[dict]:
        if mode == "none":
            return []
        last = self.last_traced_iteration()
        if last is None:
            return []
        if mode == "all" and last > MAX_TRACED_ITERATIONS:
            raise ValueError(f"trace all: {last} iterations is above the limit of {MAX_TRACED_ITERATIONS}; "
                             "export with trace last or none")
        iterations = range(1, last + 1) if mode == "all" else [last]
        entries = []
        for iteration in iterations:
            if iteration in self._imported_traces and not (iteration == self._iteration and self._trace):
                entries.append(self._imported_traces[iteration])
                continue
            steps = self.trace_of(iteration).steps
            rows = self.batches.rows(iteration)
            entries.append({"iteration": iteration, "rows": rows, "steps": [step.to_dict() for step in steps]})
        return entries

    @classmethod
    def from_document(cls, document) -> "Session":
        """Build a session from a validated ``session_file.SessionDocument`` (a preset or a session)."""
        data = Dataset(
            name=document.data_name,
            inputs=document.inputs,
            targets=document.targets,
            feature_names=document.feature_names or tuple(f"x{i}" for i in range(document.inputs.shape[1])),
            target_names=document.target_names or tuple(f"y{i}" for i in range(document.targets.shape[1])),
            standardization=document.standardization,
        )
        allowed = {"optimizer", "learning_rate", "batch_size", "seed", "shuffle", "initialization"}
        training = TrainingConfig(**{key: value for key, value in document.training.items() if key in allowed})
        session = cls(document.spec, data, training, document.initial_parameters)
        for iteration, rate in document.learning_rates:
            session.rates.set(iteration, rate)
        if document.parameters is None or document.cursor is None:
            return session
        session._restore(document)
        return session

    def _restore(self, document) -> None:
        """Take over the parameters, cursor, history and traces of a saved session."""
        iteration, step = document.cursor
        finished = iteration - 1
        self._trainer = FastTrainer(self.spec, document.parameters)
        if document.loss_history is not None:
            norms = document.gradient_norms if document.gradient_norms is not None else np.empty((0, self.spec.depth))
            self.history.replace(document.loss_history, norms)
        self.history.truncate(finished)
        # NOTE: a session saved at iteration k rewinds below k by replaying from the initial
        # parameters, so a file whose parameters were edited by hand rewinds to other values.
        if finished > 0:
            self.checkpoints.save(finished, self._trainer.parameters)
        self._iteration, self._step, self._trace = iteration, 0, None
        for entry in document.trace or []:
            self._imported_traces[int(entry["iteration"])] = entry
        if step:
            self._step = min(step, self.steps_per_iteration - 1)

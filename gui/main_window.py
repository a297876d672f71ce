"""The main window: menus, toolbar, docks and status bar around the network graph.

The window builds the views, wires user actions to the controller and re-renders the views
when the controller's signals report a change. It never changes the session itself.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.chain import weight_chain
from engine.symbols import format_number
from gui import graph_state, theme
from gui.breakpoints_panel import BreakpointsPanel
from gui.chain_view import ChainView
from gui.chrome import CachedIconStyle, FlatToolBar
from gui.controller import SPEEDS, Controller
from gui.layout_boundary import LayoutBoundary
from gui.loss_plot import LossPlot
from gui.new_network_dialog import NewNetworkDialog
from gui.network_view import NetworkView
from gui.step_panel import StepPanel

log = logging.getLogger(__name__)

MAX_RECENT_FILES = 8
SESSION_FILTER = "Gradstep sessions and presets (*.json);;All files (*)"

# (name, text, shortcut, tooltip) of the debugger actions, in toolbar order.
DEBUG_ACTIONS = (
    ("step", "Step", "F10", "Run the next computation of this iteration"),
    ("step_back", "Step Back", "Shift+F10", "Undo the last step, across iteration boundaries"),
    ("next_iteration", "Next Iteration", "F11", "Finish the current iteration"),
    ("run", "Run", "F5", "Train continuously until paused or a breakpoint is hit"),
    ("reset", "Reset", "Ctrl+Shift+F5", "Go back to iteration 1 with the initial parameters"),
)


class CompactSpinBox(QDoubleSpinBox):
    """A spin box that shows 0.1 rather than 0.100000, with up to its decimals when needed."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.{self.decimals()}g}" if value else "0"


class MainWindow(QMainWindow):
    """Gradstep's window around one controller."""

    def __init__(self, controller: Controller, settings: QSettings | None = None):
        super().__init__()
        self.controller = controller
        self.settings = settings if settings is not None else QSettings("Gradstep", "Gradstep")
        self.trace_mode = "last"
        self.edge_mode = "weight"
        self._selected_edge: tuple[int, int, int] | None = None
        self._loss_plot_shown: tuple | None = None  # what the loss plot shows: (session, count, last loss, iteration)
        self.setWindowTitle("Gradstep")
        self.resize(1440, 900)

        self._dock_style = CachedIconStyle()
        self._dock_style.setParent(self)
        self._build_central()
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect_controller()
        self._restore_settings()

        self._on_controller_session_changed()
        self._on_controller_step_changed()

    # ------------------------------------------------------------------ construction

    def _build_central(self) -> None:
        self.network_view = NetworkView()
        self.network_view.edge_clicked.connect(self._on_network_view_edge_clicked)
        self.network_view.item_hovered.connect(self._on_network_view_item_hovered)

        self._banner = QFrame()
        self._banner.setObjectName("errorBanner")
        self._banner.setStyleSheet(
            f"#errorBanner {{ background: {theme.css_colour(theme.INVALID_BACKGROUND)}; "
            f"border: 1px solid {theme.css_colour(theme.INVALID)}; border-radius: 4px; }}"
        )
        self._banner_label = QLabel()
        self._banner_label.setWordWrap(True)
        self._banner_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._banner_label.setStyleSheet(f"color: {theme.css_colour(theme.INVALID)};")
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss this message")
        close.setAutoRaise(True)
        close.clicked.connect(self._banner.hide)
        banner_layout = QHBoxLayout(self._banner)
        banner_layout.setContentsMargins(10, 6, 6, 6)
        banner_layout.addWidget(self._banner_label, 1)
        banner_layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._banner.hide()

        self._graph_caption = QLabel()
        self._graph_caption.setStyleSheet(f"color: {theme.css_colour(theme.MUTED_TEXT)}; padding: 2px 8px;")

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self._banner)
        layout.addWidget(self.network_view, 1)
        layout.addWidget(self._graph_caption)
        self.setCentralWidget(LayoutBoundary(central))

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setStyle(self._dock_style)
        dock.setWidget(LayoutBoundary(widget))
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.step_panel = StepPanel()
        self.step_panel.element_focused.connect(self._on_step_panel_element_focused)
        self.chain_view = ChainView()
        self.loss_plot = LossPlot()
        self.step_dock = self._dock("Step inspector", "stepDock", self.step_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.chain_dock = self._dock("Weight chain", "chainDock", self.chain_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.step_dock, self.chain_dock)
        self.step_dock.raise_()
        self.loss_dock = self._dock("Loss", "lossDock", self.loss_plot, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.breakpoints_panel = BreakpointsPanel(self.controller)
        self.breakpoints_dock = self._dock("Breakpoints", "breakpointsDock", self.breakpoints_panel,
                                           Qt.DockWidgetArea.RightDockWidgetArea)
        # NOTE: one tab group only. With PySide6 6.11.3 a second group of tabified docks
        # (say Loss and Breakpoints at the bottom) is drawn with two identical tab bars.
        self.tabifyDockWidget(self.chain_dock, self.breakpoints_dock)
        self.step_dock.raise_()
        self.resizeDocks([self.step_dock], [560], Qt.Orientation.Horizontal)
        self.resizeDocks([self.loss_dock], [230], Qt.Orientation.Vertical)

    def _action(self, text: str, slot, shortcut: str | None = None, tooltip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        tip = tooltip or text
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        controller = self.controller
        slots = {
            "step": controller.step,
            "step_back": controller.step_back,
            "next_iteration": controller.next_iteration,
            "run": controller.toggle_run,
            "reset": controller.reset,
        }
        self.actions = {name: self._action(text, slots[name], shortcut, tip) for name, text, shortcut, tip in DEBUG_ACTIONS}
        icons = {"step": "SP_MediaSeekForward", "step_back": "SP_MediaSeekBackward",
                 "next_iteration": "SP_MediaSkipForward", "run": "SP_MediaPlay", "reset": "SP_BrowserReload"}
        for name, icon in icons.items():
            self.actions[name].setIcon(self.style().standardIcon(getattr(QStyle.StandardPixmap, icon)))
        self.actions["new"] = self._action("New Network…", self._on_new_triggered, "Ctrl+N",
                                           "Choose a data set, layers, loss and training settings")
        self.actions["open"] = self._action("Open…", self._on_open_triggered, "Ctrl+O", "Open a session or preset")
        self.actions["save"] = self._action("Save", self._on_save_triggered, "Ctrl+S", "Save the session")
        self.actions["save_as"] = self._action("Save As…", self._on_save_as_triggered, "Ctrl+Shift+S",
                                               "Save the session to a new file")
        self.actions["export_loss"] = self._action("Export Loss as CSV…", self._on_export_loss_triggered)
        self.actions["export_graph"] = self._action("Export Graph Image…", self._on_export_graph_triggered)
        self.actions["export_plot"] = self._action("Export Loss Plot Image…", self._on_export_plot_triggered)
        self.actions["quit"] = self._action("Quit", self.close, "Ctrl+Q")
        self.actions["shortcuts"] = self._action("Keyboard Shortcuts", self._on_shortcuts_triggered, "F1")

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        file_menu = menu_bar.addMenu("&File")
        for name in ("new", "open"):
            file_menu.addAction(self.actions[name])
        self.recent_menu = file_menu.addMenu("Open Recent")
        file_menu.addSeparator()
        file_menu.addAction(self.actions["save"])
        file_menu.addAction(self.actions["save_as"])
        trace_menu = file_menu.addMenu("Steps Saved in Sessions")
        self.trace_actions = {}
        for mode, text in (("none", "None"), ("last", "Current Iteration"), ("all", "Every Iteration")):
            action = QAction(text, self, checkable=True)
            action.setChecked(mode == self.trace_mode)
            action.triggered.connect(lambda checked, mode=mode: self._on_trace_mode_triggered(mode))
            trace_menu.addAction(action)
            self.trace_actions[mode] = action
        file_menu.addSeparator()
        for name in ("export_loss", "export_graph", "export_plot"):
            file_menu.addAction(self.actions[name])
        file_menu.addSeparator()
        file_menu.addAction(self.actions["quit"])

        debug_menu = menu_bar.addMenu("&Debug")
        for name, *_ in DEBUG_ACTIONS:
            debug_menu.addAction(self.actions[name])

        view_menu = menu_bar.addMenu("&View")
        for dock in (self.step_dock, self.chain_dock, self.breakpoints_dock, self.loss_dock):
            view_menu.addAction(dock.toggleViewAction())

        help_menu = menu_bar.addMenu("&Help")
        help_menu.addAction(self.actions["shortcuts"])

    def _build_toolbar(self) -> None:
        toolbar = FlatToolBar("Debugger")
        self.addToolBar(toolbar)
        toolbar.setObjectName("debuggerToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name, *_ in DEBUG_ACTIONS:
            toolbar.addAction(self.actions[name])
        toolbar.addSeparator()

        toolbar.addWidget(QLabel(" Speed "))
        self.speed_combo = QComboBox()
        for speed in SPEEDS:
            self.speed_combo.addItem("max" if speed is None else f"{speed:,} it/s", speed)
        self.speed_combo.setCurrentIndex(len(SPEEDS) - 1)
        self.speed_combo.setToolTip("Iterations per second while running")
        self.speed_combo.currentIndexChanged.connect(self._on_speed_combo_current_index_changed)
        toolbar.addWidget(self.speed_combo)

        toolbar.addWidget(QLabel("  Learning rate α "))
        self.learning_rate_spin = CompactSpinBox()
        self.learning_rate_spin.setDecimals(6)
        self.learning_rate_spin.setRange(1e-6, 1000.0)
        self.learning_rate_spin.setSingleStep(0.01)
        self.learning_rate_spin.setKeyboardTracking(False)
        self.learning_rate_spin.setToolTip("Learning rate from the next iteration on; every change is recorded")
        self.learning_rate_spin.valueChanged.connect(self._on_learning_rate_spin_value_changed)
        toolbar.addWidget(self.learning_rate_spin)

        toolbar.addWidget(QLabel("  Sample "))
        self.sample_spin = QSpinBox()
        self.sample_spin.setToolTip("Which sample of the batch the graph shows")
        self.sample_spin.valueChanged.connect(self._on_sample_spin_value_changed)
        toolbar.addWidget(self.sample_spin)

        toolbar.addWidget(QLabel("  Edges "))
        self.edge_mode_combo = QComboBox()
        self.edge_mode_combo.addItem("weight W", "weight")
        self.edge_mode_combo.addItem("gradient ∂L/∂W", "gradient")
        self.edge_mode_combo.setToolTip("Colour and widen edges by the weights or by this iteration's gradients")
        self.edge_mode_combo.currentIndexChanged.connect(self._on_edge_mode_combo_current_index_changed)
        toolbar.addWidget(self.edge_mode_combo)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.position_label = QLabel()
        self.loss_label = QLabel()
        self.accuracy_label = QLabel()
        self.accuracy_label.setToolTip("Share of all training samples classified correctly by the current parameters")
        self.rate_label = QLabel()
        # Fixed widths, so a label whose text changes on every Step doesn't re-lay-out the window.
        widths = {self.position_label: 300, self.loss_label: 260, self.accuracy_label: 200, self.rate_label: 110}
        for label, width in widths.items():
            label.setStyleSheet("padding: 0 8px;")
            # A fixed height too: a label that can still grow passes each new text up to the window's layout.
            label.setFixedSize(width, label.sizeHint().height())
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            bar.addPermanentWidget(label)

    def _connect_controller(self) -> None:
        controller = self.controller
        controller.session_changed.connect(self._on_controller_session_changed)
        controller.step_changed.connect(self._on_controller_step_changed)
        # history_changed is always followed by step_changed, which redraws the loss plot too.
        controller.running_changed.connect(self._on_controller_running_changed)
        controller.message_posted.connect(self._on_controller_message_posted)
        controller.error_occurred.connect(self._on_controller_error_occurred)
        controller.focus_changed.connect(self._on_controller_focus_changed)
        controller.sample_changed.connect(self._on_controller_sample_changed)
        controller.file_changed.connect(self._on_controller_file_changed)

    # ------------------------------------------------------------------ rendering

    def _on_controller_session_changed(self) -> None:
        session = self.controller.session
        self._banner.hide()
        self.network_view.set_network(session.spec, session.parameters)
        self._selected_edge = None
        self.chain_view.show_empty("Click an edge of the network to see the whole chain rule for its weight.")

    def _on_controller_step_changed(self) -> None:
        session = self.controller.session
        step = session.current_step()
        iteration, index = session.cursor
        if step is None:
            self.step_panel.show_empty(
                f"Iteration {iteration} · step 0 of {session.steps_per_iteration}: ready.\n"
                f"Press Step (F10) to compute z1 = {'X'} · W1 + b1, or Run (F5) to train."
            )
        else:
            self.step_panel.show_step(step, iteration, session.steps_per_iteration, self.controller.focus or None)
        self._render_graph(step)
        self._render_status()
        self._render_loss_plot()
        self._settle_layouts()

    def _settle_layouts(self) -> None:
        """Apply the layout changes of this Step now, so the window repaints them once."""
        for boundary in (self.centralWidget(), self.step_dock.widget(), self.loss_dock.widget()):
            boundary.settle()

    def _render_graph(self, step) -> None:
        session = self.controller.session
        with np.errstate(all="ignore"):
            edges = graph_state.edge_values(session, self.edge_mode)
            values, pre_activations, caption = graph_state.neuron_values(session, self.controller.sample)
        self.network_view.show_state(edges, self.edge_mode, values, pre_activations, step)
        rows = len(session.batch(session.cursor[0])[0])
        what = "weights W" if self.edge_mode == "weight" else "gradients ∂L/∂W of this iteration"
        self._graph_caption.setText(f"Edges show {what} · {caption} for sample {self.controller.sample} of {rows}")
        # Block the spin box while the batch size sets its range, so the range change is not a user choice.
        # Unchanged values are not set again, because each call re-lays-out the toolbar.
        sample = min(self.controller.sample, rows - 1)
        if (self.sample_spin.maximum(), self.sample_spin.value()) != (rows - 1, sample):
            self.sample_spin.blockSignals(True)
            self.sample_spin.setRange(0, rows - 1)
            self.sample_spin.setValue(sample)
            self.sample_spin.blockSignals(False)

    def _render_status(self) -> None:
        session = self.controller.session
        iteration, index = session.cursor
        step = session.current_step()
        phase = f" · {step.phase}" if step is not None else ""
        self.position_label.setText(f"Iteration {iteration} · step {index} of {session.steps_per_iteration}{phase}")
        losses = graph_state.computed_losses(session)
        if len(losses):
            self.loss_label.setText(f"loss of iteration {len(losses)}: {format_number(losses[-1])}")
        else:
            self.loss_label.setText("loss: not computed yet")
        accuracy = session.accuracy()
        self.accuracy_label.setVisible(accuracy is not None)
        if accuracy is not None:
            self.accuracy_label.setText(f"training accuracy {accuracy:.1%}")
        self.rate_label.setText(f"α {session.learning_rate:g}")
        # Block the spin box while showing the session's rate, so this is not taken as a new rate.
        if self.learning_rate_spin.value() != session.learning_rate:
            self.learning_rate_spin.blockSignals(True)
            self.learning_rate_spin.setValue(session.learning_rate)
            self.learning_rate_spin.blockSignals(False)

    def _render_loss_plot(self) -> None:
        session = self.controller.session
        losses = graph_state.computed_losses(session)
        # Most steps leave the losses as they were; redrawing them anyway cost a plot repaint.
        shown = (session, len(losses), float(losses[-1]) if len(losses) else None, session.cursor[0])
        if shown == self._loss_plot_shown:
            return
        self._loss_plot_shown = shown
        self.loss_plot.set_loss_history(losses)
        self.loss_plot.set_current_iteration(session.cursor[0])

    def _on_controller_running_changed(self, running: bool) -> None:
        self.actions["run"].setText("Pause" if running else "Run")
        icon = QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        self.actions["run"].setIcon(self.style().standardIcon(icon))
        for name in ("step", "step_back", "next_iteration"):
            self.actions[name].setEnabled(not running)

    def _on_controller_message_posted(self, message: str) -> None:
        # A message reports a later action that worked, so an older error no longer applies.
        self._banner.hide()
        self.statusBar().showMessage(message, 8000)

    def _on_controller_error_occurred(self, message: str) -> None:
        self._banner_label.setText(message)
        self._banner.show()
        self.statusBar().showMessage(message, 8000)

    def _on_controller_focus_changed(self, focus: tuple) -> None:
        self.step_panel.set_focus(focus)
        self._settle_layouts()

    def _on_controller_sample_changed(self, sample: int) -> None:
        self._render_graph(self.controller.session.current_step())

    def _on_controller_file_changed(self, path: str) -> None:
        self.setWindowTitle(f"{Path(path).name} — Gradstep" if path else "Gradstep")
        if path:
            self._remember_recent(path)

    # ------------------------------------------------------------------ user input

    def _on_step_panel_element_focused(self, index: tuple) -> None:
        self.controller.set_focus(index)

    def _on_network_view_edge_clicked(self, layer: int, i: int, j: int) -> None:
        session = self.controller.session
        with np.errstate(all="ignore"):
            chain = weight_chain(session.current_trace(), layer, i, j)
        self._selected_edge = (layer, i, j)
        self.network_view.set_selected_edge(self._selected_edge)
        self.chain_view.show_chain(chain)
        self.chain_dock.show()
        self.chain_dock.raise_()

    def _on_network_view_item_hovered(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text, 4000)

    def _on_speed_combo_current_index_changed(self, index: int) -> None:
        self.controller.set_speed(self.speed_combo.itemData(index))

    def _on_learning_rate_spin_value_changed(self, value: float) -> None:
        if value != self.controller.session.learning_rate:
            self.controller.set_learning_rate(value)

    def _on_sample_spin_value_changed(self, value: int) -> None:
        self.controller.set_sample(value)

    def _on_edge_mode_combo_current_index_changed(self, index: int) -> None:
        self.edge_mode = self.edge_mode_combo.itemData(index)
        self._render_graph(self.controller.session.current_step())

    def _on_trace_mode_triggered(self, mode: str) -> None:
        self.trace_mode = mode
        for name, action in self.trace_actions.items():
            action.setChecked(name == mode)

    def _on_new_triggered(self) -> None:
        self._new_dialog = NewNetworkDialog(self.controller, self)
        self._new_dialog.open()

    def _on_open_triggered(self) -> None:
        path = self.ask_open_path()
        if path:
            self.controller.open_file(path)

    def _on_save_triggered(self) -> None:
        if self.controller.path and not Path(self.controller.path).resolve().is_relative_to(
                Path(__file__).resolve().parent.parent / "assets"):
            self.controller.save_file(self.controller.path, self.trace_mode)
        else:
            self._on_save_as_triggered()

    def _on_save_as_triggered(self) -> None:
        path = self.ask_save_path("Save session", SESSION_FILTER, ".json")
        if path:
            self.controller.save_file(path, self.trace_mode)

    def _on_export_loss_triggered(self) -> None:
        path = self.ask_save_path("Export loss", "CSV files (*.csv)", ".csv")
        if path:
            self.controller.export_loss_csv(path)

    def _on_export_graph_triggered(self) -> None:
        self._export_image(self.network_view, "Export graph")

    def _on_export_plot_triggered(self) -> None:
        self._export_image(self.loss_plot, "Export loss plot")

    def _export_image(self, view, title: str) -> None:
        path = self.ask_save_path(title, "PNG images (*.png);;SVG drawings (*.svg)", ".png")
        if not path:
            return
        try:
            view.export_image(path)
        except (OSError, ValueError, RuntimeError) as error:
            self._on_controller_error_occurred(f"Could not export {Path(path).name}: {error}")
            return
        self.statusBar().showMessage(f"Exported {Path(path).name}", 8000)

    def _on_shortcuts_triggered(self) -> None:
        lines = [f"{text}: {shortcut}" for _, text, shortcut, _ in DEBUG_ACTIONS]
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "\n".join(lines),
                          QMessageBox.StandardButton.Close, self)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    # ------------------------------------------------------------------ file dialogs (tests replace these)

    def ask_open_path(self) -> str:
        folder = str(self.settings.value("last_folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open session or preset", folder, SESSION_FILTER)
        if path:
            self.settings.setValue("last_folder", str(Path(path).parent))
        return path

    def ask_save_path(self, title: str, filters: str, suffix: str) -> str:
        folder = str(self.settings.value("last_folder", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(self, title, folder, filters)
        if not path:
            return ""
        if not Path(path).suffix:
            path += suffix
        self.settings.setValue("last_folder", str(Path(path).parent))
        return path

    # ------------------------------------------------------------------ settings

    def _remember_recent(self, path: str) -> None:
        recent = [str(item) for item in (self.settings.value("recent_files") or []) if str(item) != path]
        recent.insert(0, path)
        self.settings.setValue("recent_files", recent[:MAX_RECENT_FILES])
        self._render_recent_menu()

    def _render_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [str(item) for item in (self.settings.value("recent_files") or [])]
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda checked=False, path=path: self.controller.open_file(path))
        self.recent_menu.setEnabled(bool(recent))

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._render_recent_menu()

    def closeEvent(self, event) -> None:
        self.controller.pause()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        super().closeEvent(event)

"""The PySide6 window of Gradstep: views that draw what the engine computed, and the code that drives them.

Views render through setters and report user input through signals; only the controller calls the engine.
"""

"""One module per command or command group. Each ``register(commands)`` adds its parser; each handler takes
the parsed arguments and returns the exit code.

Start-up time matters, so these modules import only the standard library (and the small cli modules) at
import time: the store (SQLAlchemy), the sync and the demo generator are imported inside the handler that
needs them.
"""

"""runhook's exception type (also raised by the native module for SDK errors)."""
from runhook._runhook import Error

__all__ = ["Error"]

"""The errors the EventBridge emulator raises itself (AWS's own errors are moto's)."""

from __future__ import annotations

__all__ = ["EventsEmulatorError", "TargetDeliveryError", "TargetInputError"]


class EventsEmulatorError(Exception):
    """Base of the errors this emulator raises itself."""


class TargetInputError(EventsEmulatorError):
    """A target's Input / InputPath / InputTransformer cannot produce the target's input."""


class TargetDeliveryError(EventsEmulatorError):
    """A target the sandbox cannot deliver to (unsupported type, missing invoker...)."""

"""Moved to generator.aws.emulator.models (deploy --local uses it); kept for older imports."""

from generator.aws.emulator.models import MODELS, install, reset_state

__all__ = ["MODELS", "install", "reset_state"]

"""Emulators of what moto lacks, each with install() (idempotent patching) and reset()."""

"""ipwatch: infringement detection for e-commerce listings (CLI, settings, demo, benchmarks)."""

__version__ = "0.1.0"

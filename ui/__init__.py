"""The terminal UI over the archive (Textual): runs, a run's dashboard followed live while
another process writes it, candidates with their files, diffs and per-instance scores, and
every LLM call. It reads the archive only (and writes the stop file that asks a run to
stop). ``galapagos ui [RUN] [-a ARCHIVE]``."""

from galapagos.ui.app import GalapagosApp

__all__ = ["GalapagosApp"]

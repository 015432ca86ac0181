"""Parent selection strategies, one per file, behind the ``Selector`` protocol."""

from galapagos.orchestrator.selectors.base import Selector, make_selector

__all__ = ["Selector", "make_selector"]

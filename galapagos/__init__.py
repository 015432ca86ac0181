"""Galápagos: evolve prompts and agent code with reflective, Pareto-guided search.

The package is split along the layout of the project card; each part lives in its own
top-level folder of the repository and is imported under this namespace:

- ``galapagos.archive``: the SQLite store (no imports of ours but ``galapagos.errors``)
- ``galapagos.sandbox``: running untrusted code (likewise)
- ``galapagos.agents``: the LLM layer and what gets evolved
- ``galapagos.tasks``: the evaluator protocol and built-in tasks
- ``galapagos.orchestrator``: the loop, selectors, proposers, config and CLI
"""

__version__ = "0.1.0"

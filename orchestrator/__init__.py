"""The loop and everything around it: config, selectors, proposers, budget and stop rules,
the LangGraph graph, the runner (library API) and the CLI."""

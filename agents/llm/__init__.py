"""The LLM layer: one client on litellm for every call, with the embedded local model and
scripted fakes registered as litellm providers."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch prices at import

from galapagos.agents.llm.client import Completion, LLMClient, SpendLimit
from galapagos.agents.llm.fake import FakeLLM

__all__ = ["Completion", "FakeLLM", "LLMClient", "SpendLimit"]

"""The LLM layer: one client on litellm for every call, with the embedded local model and
scripted fakes registered as litellm providers."""

from galapagos.agents.llm.client import Completion, LLMClient
from galapagos.agents.llm.fake import FakeLLM

__all__ = ["Completion", "FakeLLM", "LLMClient"]

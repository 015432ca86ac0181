"""The LLM gateway sandboxed agents reach models through (see ``server``)."""

from galapagos.agents.gateway.caps import Caps, Meter
from galapagos.agents.gateway.server import CLIENT, Gateway, Session
from galapagos.agents.gateway.wire import Wire

__all__ = ["CLIENT", "Caps", "Gateway", "Meter", "Session", "Wire"]

"""Proposers, one per file, behind the ``Proposer`` protocol."""

from galapagos.orchestrator.proposers.base import Proposal, ProposalContext, Proposer
from galapagos.orchestrator.proposers.code_edit import ReflectiveCodeEdit
from galapagos.orchestrator.proposers.demos import DemoMutation
from galapagos.orchestrator.proposers.literal import LiteralMutation
from galapagos.orchestrator.proposers.merge import SystemAwareMerge
from galapagos.orchestrator.proposers.pdr import PDR
from galapagos.orchestrator.proposers.reflective import ReflectiveMutation, extract_block
from galapagos.orchestrator.proposers.self_modify import RunsAgents, SelfModify
from galapagos.orchestrator.proposers.self_taught import SelfImproving

__all__ = ["PDR", "DemoMutation", "LiteralMutation", "Proposal", "ProposalContext", "Proposer",
           "ReflectiveCodeEdit", "ReflectiveMutation", "RunsAgents", "SelfImproving", "SelfModify",
           "SystemAwareMerge", "extract_block"]

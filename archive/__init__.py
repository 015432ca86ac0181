"""The SQLite archive: schema, migrations, runs, candidates, evaluations, LLM calls,
events, and the frontier and lineage queries over them. Imports nothing of ours."""

from galapagos.archive.events import (BestImproved, IterationEnded, RunEvent, RunFinished,
                                      SeedScored)
from galapagos.archive.frontier import Frontier
from galapagos.archive.meta import MetaRecord
from galapagos.archive.progress import Limit, RunProgress
from galapagos.archive.reads import InstanceScore, RunRow, Spend
from galapagos.archive.records import Candidate, Evaluation, candidate_id
from galapagos.archive.store import Archive
from galapagos.archive.summaries import FrontierSummary

__all__ = ["Archive", "BestImproved", "Candidate", "Evaluation", "Frontier", "FrontierSummary",
           "InstanceScore", "IterationEnded", "Limit", "MetaRecord", "RunEvent", "RunFinished",
           "RunProgress", "RunRow", "SeedScored", "Spend", "candidate_id"]

"""Task plug-ins: the evaluator protocol, the registry, and the built-in tasks."""

from galapagos.tasks.protocol import (Editable, Instance, ProgramTask, Result, Split, Task,
                                      TaskContext, TaskFactory, Traits, traits)
from galapagos.tasks.registry import available, load_task

__all__ = ["Editable", "Instance", "ProgramTask", "Result", "Split", "Task", "TaskContext",
           "TaskFactory", "Traits", "available", "load_task", "traits"]

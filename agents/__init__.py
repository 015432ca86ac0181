"""What gets evolved and who calls the LLM: the LLM layer (litellm, the embedded local
model, scripted fakes) and the prompt programs that candidates are made of."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch prices at import

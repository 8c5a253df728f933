"""verticalbench: does a specialized model beat a frontier model on accuracy per dollar, per vertical?"""

import os

__version__ = "0.1.0"

# LiteLLM otherwise downloads its price map at import time; use the bundled copy unless the user says otherwise.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

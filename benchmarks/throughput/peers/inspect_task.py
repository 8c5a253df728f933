"""The benchmark job for Inspect: the same yes/no items, one generation each, scored by match."""

import json
import os

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import match
from inspect_ai.solver import generate


@task
def bench_yesno() -> Task:
    """Read the items from $BENCH_DATA (JSON lines with id, text and label)."""
    with open(os.environ["BENCH_DATA"], encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    samples = [Sample(id=row["id"], input=f"Q{row['id']}: {row['text']} End with 'Answer: Yes' or 'Answer: No'.",
                      target=f"Answer: {row['label']}") for row in rows]
    return Task(dataset=MemoryDataset(samples), solver=generate(), scorer=match(location="end"))

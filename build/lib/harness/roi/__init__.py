"""ROI and specialization readiness from a stored run.

- `calculator`: the per-query arithmetic of monthly cost, answers gained, value per dollar,
  net monthly value and break-even volume;
- `analysis`: the user's volumes and stakes applied to a run's comparisons;
- `workload` and `readiness`: a workload file tested against the readiness conditions;
- `tables` and `report`: the cells and the report section built from them.
"""
